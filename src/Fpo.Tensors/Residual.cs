using System.Numerics.Tensors;

namespace Fpo.Tensors;

/// <summary>Element-wise sum used on the residual stream: outp = a + b.</summary>
public static class Residual
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        KernelArgs.SameLength(b.Length, a.Length, "Residual.Forward", "b", "a");
        KernelArgs.SameLength(outp.Length, a.Length, "Residual.Forward", "outp", "a");
        TensorPrimitives.Add(a, b, outp);
    }
}
