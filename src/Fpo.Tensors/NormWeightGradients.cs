using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>
/// The weight (and bias) gradients of LayerNorm and RMSNorm: dweight[c] += sum_n norm[n,c] * dout[n,c],
/// dbias[c] += sum_n dout[n,c], norm = (x - mean) * rstd. Threads own column blocks, so no thread writes another's
/// columns and nothing is reduced afterwards.
/// </summary>
internal static unsafe class NormWeightGradients
{
    // dweight (C), dbias (C) or null, dout (N,C), inp (N,C), mean (N) or null for RMSNorm, rstd (N)
    public static void Accumulate(float* dweight, float* dbias, float* dout, float* inp, float* mean, float* rstd, int N, int C)
    {
        var blocks = (C + 15) / 16;
        ComputeThreads.For(blocks, (b0, b1) =>
        {
            var c = b0 * 16;
            var end = Math.Min(b1 * 16, C);
            if (Vector512.IsHardwareAccelerated)
                for (; c + 16 <= end; c += 16)
                {
                    Vector512<float> accW = default, accB = default;
                    for (var n = 0; n < N; n++)
                    {
                        var off = (nint)n * C + c;
                        var d = Vector512.Load(dout + off);
                        var m = mean == null ? Vector512<float>.Zero : Vector512.Create(mean[n]);
                        accW = Vector512.FusedMultiplyAdd((Vector512.Load(inp + off) - m) * Vector512.Create(rstd[n]), d, accW);
                        accB += d;
                    }
                    Vector512.Store(Vector512.Load(dweight + c) + accW, dweight + c);
                    if (dbias != null) Vector512.Store(Vector512.Load(dbias + c) + accB, dbias + c);
                }
            for (; c < end; c++)
            {
                float accW = 0, accB = 0;
                for (var n = 0; n < N; n++)
                {
                    var off = (nint)n * C + c;
                    accW += (inp[off] - (mean == null ? 0f : mean[n])) * rstd[n] * dout[off];
                    accB += dout[off];
                }
                dweight[c] += accW;
                if (dbias != null) dbias[c] += accB;
            }
        }, Math.Max(1, 16384 / Math.Max(1, 16 * N)));
    }
}
