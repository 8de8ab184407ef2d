namespace Fpo.Tensors;

/// <summary>out = x * rstd * weight per row of C; rstd = 1/sqrt(mean(x^2) + eps) (Llama).</summary>
public static class RmsNorm
{
    // outp (N,C), rstd (N), inp (N,C), weight (C)
    public static void Forward(Span<float> outp, Span<float> rstd, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, int N, int C, float eps) => throw new NotImplementedException();
    public static void Backward(Span<float> dinp, Span<float> dweight, ReadOnlySpan<float> dout, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> rstd, int N, int C) => throw new NotImplementedException();
}
