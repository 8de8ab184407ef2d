namespace Fpo.Tensors;

/// <summary>Element-wise sum used on the residual stream: outp = a + b.</summary>
public static class Residual
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => throw new NotImplementedException();
}
