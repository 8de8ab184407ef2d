using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>out = (x - mean) * rstd * weight + bias, per row of C; rstd = 1/sqrt(var + eps), biased variance.</summary>
public static unsafe class LayerNorm
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
        if (C == 0) return;
        fixed (float* po = outp, pm = mean, ps = rstd, px = inp, pw = weight, pb = bias)
        {
            if (ComputeThreads.Inline(N, Softmax.RowsPerRange(C))) ForwardRows(po, pm, ps, px, pw, pb, C, eps, 0, N);
            else ForwardParallel(po, pm, ps, px, pw, pb, N, C, eps);
        }
    }

    // apart from Forward so that inline calls do not allocate the closure
    private static void ForwardParallel(float* o, float* m, float* s, float* x, float* w, float* b, int N, int C, float eps) =>
        ComputeThreads.For(N, (n0, n1) => ForwardRows(o, m, s, x, w, b, C, eps, n0, n1), Softmax.RowsPerRange(C));

    private static void ForwardRows(float* o, float* m, float* s, float* x, float* w, float* b, int C, float eps, int n0, int n1)
    {
        var wc = new ReadOnlySpan<float>(w, C);
        var bc = new ReadOnlySpan<float>(b, C);
        for (var n = n0; n < n1; n++)
        {
            var row = new Span<float>(o + (nint)n * C, C);
            var xr = new ReadOnlySpan<float>(x + (nint)n * C, C);
            var mn = TensorPrimitives.Sum(xr) / C;
            TensorPrimitives.Subtract(xr, mn, row);
            var rs = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares<float>(row) / C + eps);
            TensorPrimitives.Multiply(row, rs, row);
            TensorPrimitives.FusedMultiplyAdd(row, wc, bc, row);
            m[n] = mn;
            s[n] = rs;
        }
    }

    // dinp (N,C) +=, dweight (C) +=, dbias (C) +=; rows in parallel for dinp, then columns in parallel for dweight, dbias
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
        if (C == 0) return;
        fixed (float* pdi = dinp, pdw = dweight, pdb = dbias, pd = dout, px = inp, pw = weight, pm = mean, ps = rstd)
        {
            float* di = pdi, dw = pdw, db = pdb, d = pd, x = px, w = pw, m = pm, s = ps;
            ComputeThreads.For(N, (n0, n1) =>
            {
                for (var n = n0; n < n1; n++)
                    RowBackward(di + (nint)n * C, d + (nint)n * C, x + (nint)n * C, w, m[n], s[n], C);
            }, Softmax.RowsPerRange(C));
            NormWeightGradients.Accumulate(dw, db, d, x, m, s, N, C);
        }
    }

    // dnorm = w*d; dinp += (dnorm - mean(dnorm) - norm * mean(dnorm*norm)) * rstd, norm = (x - m) * rstd
    private static void RowBackward(float* dinp, float* dout, float* x, float* w, float m, float s, int C)
    {
        var i = 0;
        float sumD = 0, sumDX = 0; // sum(dnorm), sum(dnorm * (x - m))
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> accD = default, accDX = default, vm = Vector512.Create(m);
            for (; i + 16 <= C; i += 16)
            {
                var dn = Vector512.Load(w + i) * Vector512.Load(dout + i);
                accD += dn;
                accDX = Vector512.FusedMultiplyAdd(dn, Vector512.Load(x + i) - vm, accDX);
            }
            sumD = Vector512.Sum(accD);
            sumDX = Vector512.Sum(accDX);
        }
        for (; i < C; i++)
        {
            var dn = w[i] * dout[i];
            sumD += dn;
            sumDX += dn * (x[i] - m);
        }
        // norm * mean(dnorm*norm) = (x - m) * s * s * sumDX / C
        float meanD = sumD / C, k = s * s * sumDX / C;
        i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vm = Vector512.Create(m), vs = Vector512.Create(s), vmeanD = Vector512.Create(meanD), vk = Vector512.Create(k);
            for (; i + 16 <= C; i += 16)
            {
                var g = Vector512.Load(w + i) * Vector512.Load(dout + i) - vmeanD - (Vector512.Load(x + i) - vm) * vk;
                Vector512.Store(Vector512.FusedMultiplyAdd(g, vs, Vector512.Load(dinp + i)), dinp + i);
            }
        }
        for (; i < C; i++) dinp[i] += (w[i] * dout[i] - meanD - (x[i] - m) * k) * s;
    }
}
