namespace Fpo.Tensors;

/// <summary>GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
public static class Gelu
{
    private const float K = 0.7978845608028654f; // sqrt(2/pi)
    private const float A = 0.044715f;

    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp)
    {
        KernelArgs.SameLength(outp.Length, inp.Length, "Gelu.Forward", "outp", "inp");
        for (var i = 0; i < inp.Length; i++)
        {
            var x = inp[i];
            outp[i] = 0.5f * x * (1f + MathF.Tanh(K * (x + A * x * x * x)));
        }
    }

    // dinp += gelu'(inp) * dout
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> inp, ReadOnlySpan<float> dout)
    {
        KernelArgs.SameLength(dinp.Length, inp.Length, "Gelu.Backward", "dinp", "inp");
        KernelArgs.SameLength(dout.Length, inp.Length, "Gelu.Backward", "dout", "inp");
        for (var i = 0; i < inp.Length; i++)
        {
            var x = inp[i];
            var th = MathF.Tanh(K * (x + A * x * x * x));
            var grad = 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * K * (1f + 3f * A * x * x);
            dinp[i] += grad * dout[i];
        }
    }
}
