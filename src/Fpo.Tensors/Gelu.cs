using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>
/// GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
/// Computed as x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3), the same function with one exp.
/// </summary>
public static class Gelu
{
    private const float K2 = 2f * 0.7978845608028654f; // 2 sqrt(2/pi)
    private const float A = 0.044715f;

    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp)
    {
        KernelArgs.SameLength(outp.Length, inp.Length, "Gelu.Forward", "outp", "inp");
        Elementwise.Map<ForwardOp>(inp, outp);
    }

    // dinp += gelu'(inp) * dout
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> inp, ReadOnlySpan<float> dout)
    {
        KernelArgs.SameLength(dinp.Length, inp.Length, "Gelu.Backward", "dinp", "inp");
        KernelArgs.SameLength(dout.Length, inp.Length, "Gelu.Backward", "dout", "inp");
        Elementwise.Map<BackwardOp>(inp, dout, dinp, dinp);
    }

    private readonly struct ForwardOp : IUnaryOperator
    {
        public static float Invoke(float x) => x * VectorMath.Sigmoid(K2 * (x + A * x * x * x));

        public static Vector256<float> Invoke(Vector256<float> x) =>
            x * VectorMath.Sigmoid(Vector256.Create(K2) * Vector256.FusedMultiplyAdd(Vector256.Create(A) * x * x, x, x));

        public static Vector512<float> Invoke(Vector512<float> x) =>
            x * VectorMath.Sigmoid(Vector512.Create(K2) * Vector512.FusedMultiplyAdd(Vector512.Create(A) * x * x, x, x));
    }

    // with s = sigmoid(2u): 0.5 (1 + tanh u) = s and 0.5 (1 - tanh^2 u) = 2 s (1 - s), so
    // gelu'(x) = s + x s (1 - s) K2 (1 + 3A x^2). 1 - s is formed as e s, e = exp(-2u): subtracting s from 1
    // would lose the digits that matter for large x.
    private readonly struct BackwardOp : ITernaryOperator
    {
        public static float Invoke(float x, float dout, float dinp)
        {
            var e = VectorMath.Exp(-K2 * (x + A * x * x * x));
            var s = 1f / (1f + e);
            return dinp + dout * (s + x * e * s * s * K2 * (1f + 3f * A * x * x));
        }

        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> dout, Vector256<float> dinp)
        {
            var x2 = x * x;
            var e = VectorMath.Exp(Vector256.Create(-K2) * Vector256.FusedMultiplyAdd(Vector256.Create(A) * x2, x, x));
            var s = Vector256<float>.One / (Vector256<float>.One + e);
            var slope = x * e * s * s * Vector256.FusedMultiplyAdd(Vector256.Create(3f * A * K2), x2, Vector256.Create(K2));
            return Vector256.FusedMultiplyAdd(dout, s + slope, dinp);
        }

        public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> dout, Vector512<float> dinp)
        {
            var x2 = x * x;
            var e = VectorMath.Exp(Vector512.Create(-K2) * Vector512.FusedMultiplyAdd(Vector512.Create(A) * x2, x, x));
            var s = Vector512<float>.One / (Vector512<float>.One + e);
            var slope = x * e * s * s * Vector512.FusedMultiplyAdd(Vector512.Create(3f * A * K2), x2, Vector512.Create(K2));
            return Vector512.FusedMultiplyAdd(dout, s + slope, dinp);
        }
    }
}
