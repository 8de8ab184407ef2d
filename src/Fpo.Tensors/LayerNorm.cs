namespace Fpo.Tensors;

/// <summary>out = (x - mean) * rstd * weight + bias, per row of C; rstd = 1/sqrt(var + eps), biased variance.</summary>
public static class LayerNorm
{
    // outp (N,C), mean (N), rstd (N), inp (N,C), weight (C), bias (C)
    public static void Forward(Span<float> outp, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, float eps)
    {
        const string K = "LayerNorm.Forward";
        KernelArgs.Length(outp.Length, (long)N * C, K, "outp", "N*C");
        KernelArgs.Length(inp.Length, (long)N * C, K, "inp", "N*C");
        KernelArgs.Length(mean.Length, N, K, "mean", "N");
        KernelArgs.Length(rstd.Length, N, K, "rstd", "N");
        KernelArgs.Length(weight.Length, C, K, "weight", "C");
        KernelArgs.Length(bias.Length, C, K, "bias", "C");
        for (var n = 0; n < N; n++)
        {
            var x = inp.Slice(n * C, C);
            var o = outp.Slice(n * C, C);
            float m = 0;
            for (var i = 0; i < C; i++) m += x[i];
            m /= C;
            float v = 0;
            for (var i = 0; i < C; i++) v += (x[i] - m) * (x[i] - m);
            v /= C;
            var s = 1f / MathF.Sqrt(v + eps);
            for (var i = 0; i < C; i++) o[i] = (x[i] - m) * s * weight[i] + bias[i];
            mean[n] = m;
            rstd[n] = s;
        }
    }

    // dinp (N,C) +=, dweight (C) +=, dbias (C) +=
    public static void Backward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int N, int C)
    {
        const string K = "LayerNorm.Backward";
        KernelArgs.Length(dinp.Length, (long)N * C, K, "dinp", "N*C");
        KernelArgs.Length(dout.Length, (long)N * C, K, "dout", "N*C");
        KernelArgs.Length(inp.Length, (long)N * C, K, "inp", "N*C");
        KernelArgs.Length(mean.Length, N, K, "mean", "N");
        KernelArgs.Length(rstd.Length, N, K, "rstd", "N");
        KernelArgs.Length(weight.Length, C, K, "weight", "C");
        KernelArgs.Length(dweight.Length, C, K, "dweight", "C");
        KernelArgs.Length(dbias.Length, C, K, "dbias", "C");
        for (var n = 0; n < N; n++)
        {
            var x = inp.Slice(n * C, C);
            var d = dout.Slice(n * C, C);
            var di = dinp.Slice(n * C, C);
            float m = mean[n], s = rstd[n];
            float dnormMean = 0, dnormNormMean = 0;
            for (var i = 0; i < C; i++)
            {
                var norm = (x[i] - m) * s;
                var dnorm = weight[i] * d[i];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= C;
            dnormNormMean /= C;
            for (var i = 0; i < C; i++)
            {
                var norm = (x[i] - m) * s;
                var dnorm = weight[i] * d[i];
                dbias[i] += d[i];
                dweight[i] += norm * d[i];
                di[i] += (dnorm - dnormMean - norm * dnormNormMean) * s;
            }
        }
    }
}
