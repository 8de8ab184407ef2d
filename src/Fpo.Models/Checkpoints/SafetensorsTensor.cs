using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Fpo.Models.Checkpoints;

/// <summary>
/// One tensor to write with <see cref="SafetensorsWriter"/>: name, dtype, shape and its data, either raw
/// little-endian bytes or fp32 values converted on the way out (so a large fp32 buffer is never copied).
/// </summary>
public sealed class SafetensorsTensor
{
    private const int ChunkElements = 1 << 16;

    private readonly ReadOnlyMemory<byte> _raw;
    private readonly ReadOnlyMemory<float> _floats;
    private readonly bool _fromFloats;

    private SafetensorsTensor(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> raw, ReadOnlyMemory<float> floats, bool fromFloats)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SafetensorsHeader.MetadataKey)
            throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for the metadata map", nameof(name));
        Name = name;
        DType = dtype;
        Shape = (long[])shape.Clone();
        _raw = raw;
        _floats = floats;
        _fromFloats = fromFloats;

        var shapeText = SafetensorsTensorInfo.FormatShape(Shape);
        long count = 1;
        foreach (var d in Shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': shape {shapeText} has a negative dimension", nameof(shape));
            count = checked(count * d);
        }
        ByteLength = checked(count * dtype.ByteSize());
        if (fromFloats ? floats.Length != count : raw.Length != ByteLength)
            throw new ArgumentException(
                $"tensor '{name}': shape {shapeText} has {count} elements ({ByteLength} bytes as {dtype}) " +
                $"but the data holds {(fromFloats ? $"{floats.Length} floats" : $"{raw.Length} bytes")}", nameof(shape));
    }

    public string Name { get; }

    public SafetensorsDType DType { get; }

    public long[] Shape { get; }

    /// <summary>Bytes this tensor takes in the data section.</summary>
    public long ByteLength { get; }

    public static SafetensorsTensor F32(string name, long[] shape, ReadOnlyMemory<float> data) => new(name, SafetensorsDType.F32, shape, default, data, fromFloats: true);

    /// <summary>fp32 data stored as F16, rounded to nearest even.</summary>
    public static SafetensorsTensor F16(string name, long[] shape, ReadOnlyMemory<float> data) => new(name, SafetensorsDType.F16, shape, default, data, fromFloats: true);

    /// <summary>fp32 data stored as BF16, rounded to nearest even.</summary>
    public static SafetensorsTensor BF16(string name, long[] shape, ReadOnlyMemory<float> data) => new(name, SafetensorsDType.BF16, shape, default, data, fromFloats: true);

    public static SafetensorsTensor F64(string name, long[] shape, ReadOnlySpan<double> data) => Raw(name, SafetensorsDType.F64, shape, MemoryMarshal.AsBytes(data).ToArray());

    public static SafetensorsTensor I64(string name, long[] shape, ReadOnlySpan<long> data) => Raw(name, SafetensorsDType.I64, shape, MemoryMarshal.AsBytes(data).ToArray());

    public static SafetensorsTensor I32(string name, long[] shape, ReadOnlySpan<int> data) => Raw(name, SafetensorsDType.I32, shape, MemoryMarshal.AsBytes(data).ToArray());

    /// <summary>Any dtype from its raw little-endian bytes.</summary>
    public static SafetensorsTensor Raw(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data) => new(name, dtype, shape, data, default, fromFloats: false);

    /// <summary>Writes the data section bytes of this tensor.</summary>
    internal void WriteData(Stream stream)
    {
        if (!_fromFloats)
        {
            stream.Write(_raw.Span);
            return;
        }
        if (DType == SafetensorsDType.F32)
        {
            stream.Write(MemoryMarshal.AsBytes(_floats.Span));
            return;
        }
        var buffer = new ushort[Math.Min(ChunkElements, _floats.Length)];
        for (var i = 0; i < _floats.Length; i += buffer.Length)
        {
            var src = _floats.Span.Slice(i, Math.Min(buffer.Length, _floats.Length - i));
            var dst = buffer.AsSpan(0, src.Length);
            if (DType == SafetensorsDType.F16)
                TensorPrimitives.ConvertToHalf(src, MemoryMarshal.Cast<ushort, Half>(dst));
            else
                BFloat16.FromSingle(src, dst);
            stream.Write(MemoryMarshal.AsBytes(dst));
        }
    }
}
