using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>out = x * rstd * weight per row of C; rstd = 1/sqrt(mean(x^2) + eps) (Llama).</summary>
public static unsafe class RmsNorm
{
    // outp (N,C), rstd (N), inp (N,C), weight (C)
    public static void Forward(Span<float> outp, Span<float> rstd, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, int N, int C, float eps)
    {
        const string K = "RmsNorm.Forward";
        KernelArgs.Length(outp.Length, (long)N * C, K, "outp", "N*C");
        KernelArgs.Length(inp.Length, (long)N * C, K, "inp", "N*C");
        KernelArgs.Length(rstd.Length, N, K, "rstd", "N");
        KernelArgs.Length(weight.Length, C, K, "weight", "C");
        if (C == 0) return;
        fixed (float* po = outp, ps = rstd, px = inp, pw = weight)
        {
            if (ComputeThreads.Inline(N, Softmax.RowsPerRange(C))) ForwardRows(po, ps, px, pw, C, eps, 0, N);
            else ForwardParallel(po, ps, px, pw, N, C, eps);
        }
    }

    // apart from Forward so that inline calls do not allocate the closure
    private static void ForwardParallel(float* o, float* s, float* x, float* w, int N, int C, float eps) =>
        ComputeThreads.For(N, (n0, n1) => ForwardRows(o, s, x, w, C, eps, n0, n1), Softmax.RowsPerRange(C));

    private static void ForwardRows(float* o, float* s, float* x, float* w, int C, float eps, int n0, int n1)
    {
        var wc = new ReadOnlySpan<float>(w, C);
        for (var n = n0; n < n1; n++)
        {
            var xr = new ReadOnlySpan<float>(x + (nint)n * C, C);
            var rs = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xr) / C + eps);
            var row = new Span<float>(o + (nint)n * C, C);
            TensorPrimitives.Multiply(xr, rs, row);
            TensorPrimitives.Multiply(row, wc, row);
            s[n] = rs;
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
        if (C == 0) return;
        fixed (float* pdi = dinp, pdw = dweight, pd = dout, px = inp, pw = weight, ps = rstd)
        {
            float* di = pdi, dw = pdw, d = pd, x = px, w = pw, s = ps;
            ComputeThreads.For(N, (n0, n1) =>
            {
                for (var n = n0; n < n1; n++)
                    RowBackward(di + (nint)n * C, d + (nint)n * C, x + (nint)n * C, w, s[n], C);
            }, Softmax.RowsPerRange(C));
            NormWeightGradients.Accumulate(dw, null, d, x, null, s, N, C);
        }
    }

    // dinp += (w*d - norm * mean(w*d*norm)) * rstd, norm = x * rstd
    private static void RowBackward(float* dinp, float* dout, float* x, float* w, float s, int C)
    {
        var i = 0;
        float sumDX = 0; // sum(w * d * x)
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= C; i += 16)
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(w + i) * Vector512.Load(dout + i), Vector512.Load(x + i), acc);
            sumDX = Vector512.Sum(acc);
        }
        for (; i < C; i++) sumDX += w[i] * dout[i] * x[i];
        var k = s * s * sumDX / C;
        i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vs = Vector512.Create(s), vk = Vector512.Create(k);
            for (; i + 16 <= C; i += 16)
            {
                var g = Vector512.Load(w + i) * Vector512.Load(dout + i) - Vector512.Load(x + i) * vk;
                Vector512.Store(Vector512.FusedMultiplyAdd(g, vs, Vector512.Load(dinp + i)), dinp + i);
            }
        }
        for (; i < C; i++) dinp[i] += (w[i] * dout[i] - x[i] * k) * s;
    }
}
