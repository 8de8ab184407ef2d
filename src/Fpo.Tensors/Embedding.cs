namespace Fpo.Tensors;

/// <summary>Token embedding lookup: out[n] = wte[tokens[n]] (+ wpe[positions[n]] when wpe is non-empty).</summary>
public static class Embedding
{
    public static void Forward(Span<float> outp, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<float> wte, ReadOnlySpan<float> wpe, int N, int C) => throw new NotImplementedException();
    // dwte +=, dwpe += (skip when empty)
    public static void Backward(Span<float> dwte, Span<float> dwpe, ReadOnlySpan<float> dout, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int N, int C) => throw new NotImplementedException();
}
