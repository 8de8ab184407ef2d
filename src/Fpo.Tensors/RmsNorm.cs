namespace Fpo.Tensors;

/// <summary>out = x * rstd * weight per row of C; rstd = 1/sqrt(mean(x^2) + eps) (Llama).</summary>
public static class RmsNorm
{
    // outp (N,C), rstd (N), inp (N,C), weight (C)
    public static void Forward(Span<float> outp, Span<float> rstd, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, int N, int C, float eps)
    {
        const string K = "RmsNorm.Forward";
        KernelArgs.Length(outp.Length, (long)N * C, K, "outp", "N*C");
        KernelArgs.Length(inp.Length, (long)N * C, K, "inp", "N*C");
        KernelArgs.Length(rstd.Length, N, K, "rstd", "N");
        KernelArgs.Length(weight.Length, C, K, "weight", "C");
        for (var n = 0; n < N; n++)
        {
            var x = inp.Slice(n * C, C);
            var o = outp.Slice(n * C, C);
            float ss = 0;
            for (var i = 0; i < C; i++) ss += x[i] * x[i];
            var s = 1f / MathF.Sqrt(ss / C + eps);
            for (var i = 0; i < C; i++) o[i] = x[i] * s * weight[i];
            rstd[n] = s;
        }
    }

    // dinp (N,C) +=, dweight (C) +=
    public static void Backward(Span<float> dinp, Span<float> dweight, ReadOnlySpan<float> dout, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> rstd, int N, int C)
    {
        const string K = "RmsNorm.Backward";
        KernelArgs.Length(dinp.Length, (long)N * C, K, "dinp", "N*C");
        KernelArgs.Length(dout.Length, (long)N * C, K, "dout", "N*C");
        KernelArgs.Length(inp.Length, (long)N * C, K, "inp", "N*C");
        KernelArgs.Length(rstd.Length, N, K, "rstd", "N");
        KernelArgs.Length(weight.Length, C, K, "weight", "C");
        KernelArgs.Length(dweight.Length, C, K, "dweight", "C");
        for (var n = 0; n < N; n++)
        {
            var x = inp.Slice(n * C, C);
            var d = dout.Slice(n * C, C);
            var di = dinp.Slice(n * C, C);
            var s = rstd[n];
            float dnormNormMean = 0;
            for (var i = 0; i < C; i++) dnormNormMean += weight[i] * d[i] * x[i] * s;
            dnormNormMean /= C;
            for (var i = 0; i < C; i++)
            {
                var norm = x[i] * s;
                dweight[i] += norm * d[i];
                di[i] += (weight[i] * d[i] - norm * dnormNormMean) * s;
            }
        }
    }
}
