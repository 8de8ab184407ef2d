namespace Fpo.Tensors;

/// <summary>GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
public static class Gelu
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp) => throw new NotImplementedException();
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> inp, ReadOnlySpan<float> dout) => throw new NotImplementedException();
}
