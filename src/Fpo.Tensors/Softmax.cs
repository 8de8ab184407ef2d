using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>Row softmax: out[i,j] = exp(x[i,j] - max_i) / sum_j exp(x[i,j] - max_i). -inf entries give 0.</summary>
public static unsafe class Softmax
{
    // outp (N,C), inp (N,C); a row of only -inf gives zeros
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp, int N, int C)
    {
        KernelArgs.Length(inp.Length, (long)N * C, "Softmax.Forward", "inp", "N*C");
        KernelArgs.Length(outp.Length, (long)N * C, "Softmax.Forward", "outp", "N*C");
        fixed (float* po = outp, pi = inp)
        {
            float* o = po, x = pi;
            ComputeThreads.For(N, (n0, n1) =>
            {
                for (var n = n0; n < n1; n++)
                    Row(new Span<float>(o + (nint)n * C, C), new ReadOnlySpan<float>(x + (nint)n * C, C));
            }, RowsPerRange(C));
        }
    }

    // dinp += outp * (dout - sum_j dout*outp)
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> dout, ReadOnlySpan<float> outp, int N, int C)
    {
        KernelArgs.Length(dinp.Length, (long)N * C, "Softmax.Backward", "dinp", "N*C");
        KernelArgs.Length(dout.Length, (long)N * C, "Softmax.Backward", "dout", "N*C");
        KernelArgs.Length(outp.Length, (long)N * C, "Softmax.Backward", "outp", "N*C");
        fixed (float* pdi = dinp, pd = dout, po = outp)
        {
            float* di = pdi, d = pd, o = po;
            ComputeThreads.For(N, (n0, n1) =>
            {
                for (var n = n0; n < n1; n++)
                {
                    var off = (nint)n * C;
                    var dot = TensorPrimitives.Dot(new ReadOnlySpan<float>(d + off, C), new ReadOnlySpan<float>(o + off, C));
                    RowBackward(di + off, d + off, o + off, dot, C, di + off);
                }
            }, RowsPerRange(C));
        }
    }

    /// <summary>Rows per parallel range so each range has enough work to pay for the hand-off.</summary>
    internal static int RowsPerRange(int C) => Math.Max(1, 8192 / Math.Max(C, 1));

    /// <summary>Softmax of one row (outp may be inp); returns the row's log-sum-exp, log(sum exp(x - max)) + max.</summary>
    internal static float Row(Span<float> outp, ReadOnlySpan<float> inp)
    {
        if (inp.IsEmpty) return float.NegativeInfinity;
        var max = TensorPrimitives.Max(inp);
        if (float.IsNegativeInfinity(max))
        {
            outp.Clear();
            return max;
        }
        var sum = ExpSum(outp, inp, max);
        TensorPrimitives.Multiply(outp, 1f / sum, outp);
        return MathF.Log(sum) + max;
    }

    /// <summary>outp = exp(inp - shift) in one pass; returns the sum of outp.</summary>
    internal static float ExpSum(Span<float> outp, ReadOnlySpan<float> inp, float shift)
    {
        var n = inp.Length;
        fixed (float* po = outp, pi = inp)
        {
            var i = 0;
            float sum = 0;
            if (Vector512.IsHardwareAccelerated && n >= 16)
            {
                var acc = Vector512<float>.Zero;
                var s = Vector512.Create(shift);
                for (; i + 16 <= n; i += 16)
                {
                    var e = VectorMath.Exp(Vector512.Load(pi + i) - s);
                    Vector512.Store(e, po + i);
                    acc += e;
                }
                sum = Vector512.Sum(acc);
            }
            else if (Vector256.IsHardwareAccelerated && n >= 8)
            {
                var acc = Vector256<float>.Zero;
                var s = Vector256.Create(shift);
                for (; i + 8 <= n; i += 8)
                {
                    var e = VectorMath.Exp(Vector256.Load(pi + i) - s);
                    Vector256.Store(e, po + i);
                    acc += e;
                }
                sum = Vector256.Sum(acc);
            }
            for (; i < n; i++) sum += po[i] = VectorMath.Exp(pi[i] - shift);
            return sum;
        }
    }

    /// <summary>dinp[j] = acc[j] + p[j] * (dout[j] - dot) over n entries; acc null means 0 (dinp may be acc or dout).</summary>
    internal static void RowBackward(float* dinp, float* dout, float* p, float dot, int n, float* acc)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vdot = Vector512.Create(dot);
            for (; i + 16 <= n; i += 16)
            {
                var start = acc == null ? Vector512<float>.Zero : Vector512.Load(acc + i);
                Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(p + i), Vector512.Load(dout + i) - vdot, start), dinp + i);
            }
        }
        for (; i < n; i++) dinp[i] = (acc == null ? 0f : acc[i]) + p[i] * (dout[i] - dot);
    }
}
