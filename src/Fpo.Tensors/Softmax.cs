using System.Numerics.Tensors;

namespace Fpo.Tensors;

/// <summary>Row softmax: out[i,j] = exp(x[i,j] - max_i) / sum_j exp(x[i,j] - max_i). -inf entries give 0.</summary>
public static class Softmax
{
    // outp (N,C), inp (N,C); a row of only -inf gives zeros
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp, int N, int C)
    {
        KernelArgs.Length(inp.Length, (long)N * C, "Softmax.Forward", "inp", "N*C");
        KernelArgs.Length(outp.Length, (long)N * C, "Softmax.Forward", "outp", "N*C");
        for (var n = 0; n < N; n++)
            Row(outp.Slice(n * C, C), inp.Slice(n * C, C));
    }

    // dinp += outp * (dout - sum_j dout*outp)
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> dout, ReadOnlySpan<float> outp, int N, int C)
    {
        KernelArgs.Length(dinp.Length, (long)N * C, "Softmax.Backward", "dinp", "N*C");
        KernelArgs.Length(dout.Length, (long)N * C, "Softmax.Backward", "dout", "N*C");
        KernelArgs.Length(outp.Length, (long)N * C, "Softmax.Backward", "outp", "N*C");
        for (var n = 0; n < N; n++)
            RowBackward(dinp.Slice(n * C, C), dout.Slice(n * C, C), outp.Slice(n * C, C));
    }

    /// <summary>Softmax of one row; returns log(sum exp(x - max)) + max, the row's log-sum-exp.</summary>
    internal static float Row(Span<float> outp, ReadOnlySpan<float> inp)
    {
        if (inp.IsEmpty) return float.NegativeInfinity;
        var max = TensorPrimitives.Max(inp);
        if (float.IsNegativeInfinity(max))
        {
            outp.Clear();
            return max;
        }
        TensorPrimitives.Subtract(inp, max, outp);
        TensorPrimitives.Exp(outp, outp);
        var sum = TensorPrimitives.Sum<float>(outp);
        TensorPrimitives.Multiply(outp, 1f / sum, outp);
        return MathF.Log(sum) + max;
    }

    internal static void RowBackward(Span<float> dinp, ReadOnlySpan<float> dout, ReadOnlySpan<float> outp)
    {
        var dot = TensorPrimitives.Dot(dout, outp);
        for (var j = 0; j < dinp.Length; j++)
            dinp[j] += outp[j] * (dout[j] - dot);
    }
}
