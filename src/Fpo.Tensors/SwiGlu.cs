using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>SwiGLU: out = silu(gate) * up, silu(x) = x * sigmoid(x). All spans the same length (N*H).</summary>
public static class SwiGlu
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> gate, ReadOnlySpan<float> up)
    {
        KernelArgs.SameLength(up.Length, gate.Length, "SwiGlu.Forward", "up", "gate");
        KernelArgs.SameLength(outp.Length, gate.Length, "SwiGlu.Forward", "outp", "gate");
        Elementwise.Map<ForwardOp>(gate, up, outp);
    }

    // dgate += dout * up * silu'(gate), dup += dout * silu(gate); silu'(x) = s (1 + x (1 - s)), s = sigmoid(x),
    // with 1 - s formed as e s, e = exp(-x), which keeps its digits where s is near 1
    public static unsafe void Backward(Span<float> dgate, Span<float> dup, ReadOnlySpan<float> dout, ReadOnlySpan<float> gate, ReadOnlySpan<float> up)
    {
        KernelArgs.SameLength(up.Length, gate.Length, "SwiGlu.Backward", "up", "gate");
        KernelArgs.SameLength(dout.Length, gate.Length, "SwiGlu.Backward", "dout", "gate");
        KernelArgs.SameLength(dgate.Length, gate.Length, "SwiGlu.Backward", "dgate", "gate");
        KernelArgs.SameLength(dup.Length, gate.Length, "SwiGlu.Backward", "dup", "gate");
        fixed (float* pdg = dgate, pdu = dup, pd = dout, pg = gate, pu = up)
        {
            float* dg = pdg, du = pdu, d = pd, g = pg, u = pu;
            Elementwise.Split(gate.Length, (i0, i1) => BackwardRange(dg, du, d, g, u, i0, i1));
        }
    }

    // two outputs per element, so this loop is written out rather than plugged into the one-output driver
    private static unsafe void BackwardRange(float* dgate, float* dup, float* dout, float* gate, float* up, int i, int end)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= end; i += 16)
            {
                var g = Vector512.Load(gate + i);
                var d = Vector512.Load(dout + i);
                var e = VectorMath.Exp(-g);
                var s = Vector512<float>.One / (Vector512<float>.One + e);
                var dsilu = s * Vector512.FusedMultiplyAdd(g, e * s, Vector512<float>.One);
                Vector512.Store(Vector512.FusedMultiplyAdd(d * Vector512.Load(up + i), dsilu, Vector512.Load(dgate + i)), dgate + i);
                Vector512.Store(Vector512.FusedMultiplyAdd(d, g * s, Vector512.Load(dup + i)), dup + i);
            }
        for (; i < end; i++)
        {
            var g = gate[i];
            var e = VectorMath.Exp(-g);
            var s = 1f / (1f + e);
            dgate[i] += dout[i] * up[i] * s * (1f + g * e * s);
            dup[i] += dout[i] * g * s;
        }
    }

    private readonly struct ForwardOp : IBinaryOperator
    {
        public static float Invoke(float g, float up) => g * VectorMath.Sigmoid(g) * up;
        public static Vector256<float> Invoke(Vector256<float> g, Vector256<float> up) => g * VectorMath.Sigmoid(g) * up;
        public static Vector512<float> Invoke(Vector512<float> g, Vector512<float> up) => g * VectorMath.Sigmoid(g) * up;
    }
}
