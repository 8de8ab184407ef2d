namespace Fpo.Tensors;

/// <summary>SwiGLU: out = silu(gate) * up, silu(x) = x * sigmoid(x). All spans the same length (N*H).</summary>
public static class SwiGlu
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> gate, ReadOnlySpan<float> up)
    {
        KernelArgs.SameLength(up.Length, gate.Length, "SwiGlu.Forward", "up", "gate");
        KernelArgs.SameLength(outp.Length, gate.Length, "SwiGlu.Forward", "outp", "gate");
        for (var i = 0; i < gate.Length; i++)
        {
            var g = gate[i];
            outp[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    // dgate += dout * up * silu'(gate), dup += dout * silu(gate); silu'(x) = s (1 + x (1 - s)), s = sigmoid(x)
    public static void Backward(Span<float> dgate, Span<float> dup, ReadOnlySpan<float> dout, ReadOnlySpan<float> gate, ReadOnlySpan<float> up)
    {
        KernelArgs.SameLength(up.Length, gate.Length, "SwiGlu.Backward", "up", "gate");
        KernelArgs.SameLength(dout.Length, gate.Length, "SwiGlu.Backward", "dout", "gate");
        KernelArgs.SameLength(dgate.Length, gate.Length, "SwiGlu.Backward", "dgate", "gate");
        KernelArgs.SameLength(dup.Length, gate.Length, "SwiGlu.Backward", "dup", "gate");
        for (var i = 0; i < gate.Length; i++)
        {
            var g = gate[i];
            var s = 1f / (1f + MathF.Exp(-g));
            dgate[i] += dout[i] * up[i] * s * (1f + g * (1f - s));
            dup[i] += dout[i] * g * s;
        }
    }
}
