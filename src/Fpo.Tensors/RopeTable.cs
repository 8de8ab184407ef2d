namespace Fpo.Tensors;

/// <summary>
/// Rotary embedding, Hugging Face "rotate_half" convention: for i &lt; HS/2 the pair (x[i], x[i+HS/2])
/// is rotated by angle pos * theta^(-2i/HS). Applied in place to NHx heads of HS at each of N rows.
/// </summary>
public sealed class RopeTable
{
    public RopeTable(int maxPositions, int HS, float theta) => throw new NotImplementedException();
    public int MaxPositions => throw new NotImplementedException();
    public int HeadSize => throw new NotImplementedException();
    // x: N rows with row stride rowStride; heads start at headOffset, NHx heads of HS contiguous; positions (N)
    public void Forward(Span<float> x, ReadOnlySpan<int> positions, int N, int rowStride, int headOffset, int NHx) => throw new NotImplementedException();
    // gradient of Forward: the inverse rotation, applied in place to dx laid out like x
    public void Backward(Span<float> dx, ReadOnlySpan<int> positions, int N, int rowStride, int headOffset, int NHx) => throw new NotImplementedException();
}
