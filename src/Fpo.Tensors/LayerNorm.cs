namespace Fpo.Tensors;

/// <summary>out = (x - mean) * rstd * weight + bias, per row of C; rstd = 1/sqrt(var + eps), biased variance.</summary>
public static class LayerNorm
{
    // outp (N,C), mean (N), rstd (N), inp (N,C), weight (C), bias (C)
    public static void Forward(Span<float> outp, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, float eps) => throw new NotImplementedException();
    public static void Backward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int N, int C) => throw new NotImplementedException();
}
