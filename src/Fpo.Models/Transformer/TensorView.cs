namespace Fpo.Models.Transformer;

/// <summary>
/// A named range of a flat float[]: Count stacked tensors of Size elements each (Count = L for per-layer
/// tensors such as (L, 3*C, C)). An absent tensor (e.g. a bias the family does not have) has Size 0.
/// </summary>
public readonly record struct TensorView(int Offset, int Size, int Count = 1)
{
    public int Length => Size * Count;

    /// <summary>The i-th stacked tensor, e.g. layer l of an (L, ...) view.</summary>
    public TensorView this[int i] => new(Offset + i * Size, Size);

    public Span<float> In(float[] arena) => arena.AsSpan(Offset, Length);
}
