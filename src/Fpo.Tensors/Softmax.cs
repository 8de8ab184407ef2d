namespace Fpo.Tensors;

/// <summary>Row softmax: out[i,j] = exp(x[i,j] - max_i) / sum_j exp(x[i,j] - max_i). -inf entries give 0.</summary>
public static class Softmax
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp, int N, int C) => throw new NotImplementedException();
    // dinp += outp * (dout - sum_j dout*outp)
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> dout, ReadOnlySpan<float> outp, int N, int C) => throw new NotImplementedException();
}
