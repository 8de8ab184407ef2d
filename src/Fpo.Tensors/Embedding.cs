using System.Numerics.Tensors;

namespace Fpo.Tensors;

/// <summary>Token embedding lookup: out[n] = wte[tokens[n]] (+ wpe[positions[n]] when wpe is non-empty).</summary>
public static class Embedding
{
    // outp (N,C), tokens (N), positions (N) (unused when wpe is empty), wte (V,C), wpe (maxT,C) or empty
    public static void Forward(Span<float> outp, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<float> wte, ReadOnlySpan<float> wpe, int N, int C)
    {
        Check("Embedding.Forward", outp.Length, tokens, positions, wte.Length, wpe.Length, N, C);
        for (var n = 0; n < N; n++)
        {
            var o = outp.Slice(n * C, C);
            var e = wte.Slice(tokens[n] * C, C);
            if (wpe.IsEmpty) e.CopyTo(o);
            else TensorPrimitives.Add(e, wpe.Slice(positions[n] * C, C), o);
        }
    }

    // dwte (V,C) +=, dwpe (maxT,C) += (skip when empty); rows run in order because tokens repeat
    public static void Backward(Span<float> dwte, Span<float> dwpe, ReadOnlySpan<float> dout, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int N, int C)
    {
        Check("Embedding.Backward", dout.Length, tokens, positions, dwte.Length, dwpe.Length, N, C);
        for (var n = 0; n < N; n++)
        {
            var d = dout.Slice(n * C, C);
            var w = dwte.Slice(tokens[n] * C, C);
            TensorPrimitives.Add(w, d, w);
            if (dwpe.IsEmpty) continue;
            var p = dwpe.Slice(positions[n] * C, C);
            TensorPrimitives.Add(p, d, p);
        }
    }

    private static void Check(string kernel, int rowsLength, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int wteLength, int wpeLength, int N, int C)
    {
        KernelArgs.Positive(N, kernel, nameof(N));
        KernelArgs.Positive(C, kernel, nameof(C));
        KernelArgs.Length(rowsLength, (long)N * C, kernel, "outp/dout", "N*C");
        KernelArgs.Length(tokens.Length, N, kernel, "tokens", "N");
        if (C == 0) return;
        var V = wteLength / C;
        for (var n = 0; n < N; n++)
            if ((uint)tokens[n] >= (uint)V)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[n], $"{kernel}: token id {tokens[n]} at row {n} is outside the vocabulary [0, {V})");
        if (wpeLength == 0) return;
        KernelArgs.Length(positions.Length, N, kernel, "positions", "N");
        var maxT = wpeLength / C;
        for (var n = 0; n < N; n++)
            if ((uint)positions[n] >= (uint)maxT)
                throw new ArgumentOutOfRangeException(nameof(positions), positions[n], $"{kernel}: position {positions[n]} at row {n} is outside the position table [0, {maxT})");
    }
}
