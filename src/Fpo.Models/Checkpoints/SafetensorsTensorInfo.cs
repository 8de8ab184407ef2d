namespace Fpo.Models.Checkpoints;

/// <summary>
/// One header entry of a safetensors file. <see cref="Begin"/> and <see cref="End"/> are byte offsets
/// relative to the data section (the bytes after the 8-byte length prefix and the JSON header).
/// </summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Product of the shape; 1 for a scalar (shape []).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var d in Shape) count = checked(count * d);
            return count;
        }
    }

    public long ByteLength => End - Begin;

    /// <summary>The shape as the header spells it, e.g. "[768, 2304]", for messages.</summary>
    public string ShapeText => FormatShape(Shape);

    internal static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
