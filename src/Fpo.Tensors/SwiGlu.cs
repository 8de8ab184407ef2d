namespace Fpo.Tensors;

/// <summary>SwiGLU: out = silu(gate) * up, silu(x) = x * sigmoid(x). All spans the same length (N*H).</summary>
public static class SwiGlu
{
    public static void Forward(Span<float> outp, ReadOnlySpan<float> gate, ReadOnlySpan<float> up) => throw new NotImplementedException();
    public static void Backward(Span<float> dgate, Span<float> dup, ReadOnlySpan<float> dout, ReadOnlySpan<float> gate, ReadOnlySpan<float> up) => throw new NotImplementedException();
}
