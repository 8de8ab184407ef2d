using System.Buffers;
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Fpo.Models.Checkpoints;

/// <summary>
/// A read-only safetensors file, memory-mapped (<see cref="Open"/>) or pinned in memory (<see cref="Parse"/>): u64
/// little-endian header length N, N bytes of JSON header, then the data section. The header is validated completely
/// when opened, so every read stays inside the data section. Reads are safe from several threads; spans from
/// <see cref="GetBytes"/> die with the file.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Elements converted per step, so tensors over 2 GB of bytes convert through int-sized spans.</summary>
    private const int ChunkElements = 1 << 24;

    // A mapped file holds its map and view; parsed bytes hold the pin that keeps them in place.
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private MemoryHandle _pin;
    private readonly byte* _data;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, MemoryHandle pin, byte* data,
        Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata, long dataLength)
    {
        Path = path;
        _map = map;
        _view = view;
        _pin = pin;
        _data = data;
        Tensors = tensors.AsReadOnly();
        Metadata = metadata.AsReadOnly();
        DataLength = dataLength;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's "__metadata__" map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Bytes in the data section; the tensors tile it exactly.</summary>
    public long DataLength { get; }

    /// <summary>Maps the file read-only and validates its header; throws <see cref="SafetensorsFormatException"/> if malformed.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader assumes a little-endian machine");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            stream.Dispose();
            throw new SafetensorsFormatException(path, null,
                $"file has {fileLength} bytes, too short for the 8-byte header length prefix");
        }
        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, fileLength, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            start += view.PointerOffset;

            var (headerLength, dataLength, tensors, metadata) = ParseHeader(path, start, fileLength);
            return new SafetensorsFile(path, map, view, default, start + 8 + headerLength, tensors, metadata, dataLength);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a safetensors file held in memory, validated like <see cref="Open"/>; <paramref name="label"/> stands for
    /// the path in errors. The bytes stay pinned, and must not change, until the file is disposed.
    /// </summary>
    public static SafetensorsFile Parse(string label, ReadOnlyMemory<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader assumes a little-endian machine");
        if (bytes.Length < 8)
            throw new SafetensorsFormatException(label, null, $"file has {bytes.Length} bytes, too short for the 8-byte header length prefix");
        var pin = bytes.Pin();
        try
        {
            var start = (byte*)pin.Pointer;
            var (headerLength, dataLength, tensors, metadata) = ParseHeader(label, start, bytes.Length);
            return new SafetensorsFile(label, null, null, pin, start + 8 + headerLength, tensors, metadata, dataLength);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    // The validated header of the fileLength bytes at start (at least the 8 of the length prefix).
    private static (int HeaderLength, long DataLength, Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(
        string path, byte* start, long fileLength)
    {
        var headerLength = HeaderLength(path, BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, 8)), fileLength);
        var dataLength = fileLength - 8 - headerLength;
        var (tensors, metadata) = SafetensorsHeader.Parse(path, new ReadOnlySpan<byte>(start + 8, headerLength), dataLength);
        return (headerLength, dataLength, tensors, metadata);
    }

    /// <summary>The length prefix, checked before anything is read or allocated for the header.</summary>
    private static int HeaderLength(string path, ulong claimed, long fileLength)
    {
        if (claimed == 0)
            throw new SafetensorsFormatException(path, null, "header length is 0; the header must be a JSON object");
        if (claimed > SafetensorsHeader.MaxLength)
            throw new SafetensorsFormatException(path, null,
                $"header length {claimed} exceeds the limit of {SafetensorsHeader.MaxLength} bytes");
        if ((long)claimed > fileLength - 8)
            throw new SafetensorsFormatException(path, null,
                $"header length {claimed} runs past the end of the file ({fileLength - 8} bytes follow the length prefix)");
        return (int)claimed;
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>The header entry of a tensor; throws naming the file, the tensor and some present names if it is missing.</summary>
    public SafetensorsTensorInfo GetInfo(string name)
    {
        if (Tensors.TryGetValue(name, out var info)) return info;
        throw new SafetensorsFormatException(Path, name,
            $"is not in the file; it has {Tensors.Count} tensors" + (Tensors.Count == 0 ? "" : ", e.g. " + NearestNames(name)));
    }

    /// <summary>The header entry of a tensor, after checking it has the given shape.</summary>
    public SafetensorsTensorInfo ExpectShape(string name, params ReadOnlySpan<long> shape)
    {
        var info = GetInfo(name);
        if (!shape.SequenceEqual(info.Shape))
            throw new SafetensorsFormatException(Path, name,
                $"has shape {info.ShapeText}, expected {SafetensorsTensorInfo.FormatShape(shape.ToArray())}");
        return info;
    }

    /// <summary>The tensor's raw little-endian bytes, straight from the mapping; valid until the file is disposed.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
            throw new SafetensorsFormatException(Path, name,
                $"has {info.ByteLength} bytes, more than one span can hold; read it with ReadFloat32 or ReadInt64");
        return Bytes(info.Begin, (int)info.ByteLength);
    }

    /// <summary>Reads an F32, F16, BF16 or F64 tensor as fp32 (exact for F16 and BF16; F64 rounds to nearest).</summary>
    public float[] ReadFloat32(string name)
    {
        var result = new float[ElementCountAsInt(GetInfo(name))];
        ReadFloat32(name, result);
        return result;
    }

    /// <inheritdoc cref="ReadFloat32(string)"/>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        CheckDestination(info, destination.Length, "floats");
        var size = info.DType.ByteSize();
        for (var i = 0; i < destination.Length; i += ChunkElements)
        {
            var dst = destination.Slice(i, Math.Min(ChunkElements, destination.Length - i));
            var src = Bytes(info.Begin + (long)i * size, dst.Length * size);
            switch (info.DType)
            {
                case SafetensorsDType.F32: MemoryMarshal.Cast<byte, float>(src).CopyTo(dst); break;
                case SafetensorsDType.F16: TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(src), dst); break;
                case SafetensorsDType.BF16: BFloat16.ToSingle(MemoryMarshal.Cast<byte, ushort>(src), dst); break;
                case SafetensorsDType.F64: Narrow(MemoryMarshal.Cast<byte, double>(src), dst); break;
                default:
                    throw new SafetensorsFormatException(Path, name,
                        $"has dtype {info.DType}; ReadFloat32 reads F32, F16, BF16 and F64");
            }
        }
    }

    /// <summary>Reads an integer tensor (I64, or I32/U32/I16/U16/I8/U8/BOOL widened) as int64.</summary>
    public long[] ReadInt64(string name)
    {
        var result = new long[ElementCountAsInt(GetInfo(name))];
        ReadInt64(name, result);
        return result;
    }

    /// <inheritdoc cref="ReadInt64(string)"/>
    public void ReadInt64(string name, Span<long> destination)
    {
        var info = GetInfo(name);
        CheckDestination(info, destination.Length, "longs");
        var size = info.DType.ByteSize();
        for (var i = 0; i < destination.Length; i += ChunkElements)
        {
            var dst = destination.Slice(i, Math.Min(ChunkElements, destination.Length - i));
            var src = Bytes(info.Begin + (long)i * size, dst.Length * size);
            switch (info.DType)
            {
                case SafetensorsDType.I64: MemoryMarshal.Cast<byte, long>(src).CopyTo(dst); break;
                case SafetensorsDType.I32: Widen(MemoryMarshal.Cast<byte, int>(src), dst); break;
                case SafetensorsDType.U32: Widen(MemoryMarshal.Cast<byte, uint>(src), dst); break;
                case SafetensorsDType.I16: Widen(MemoryMarshal.Cast<byte, short>(src), dst); break;
                case SafetensorsDType.U16: Widen(MemoryMarshal.Cast<byte, ushort>(src), dst); break;
                case SafetensorsDType.I8: Widen(MemoryMarshal.Cast<byte, sbyte>(src), dst); break;
                case SafetensorsDType.U8 or SafetensorsDType.BOOL: Widen(src, dst); break;
                default:
                    throw new SafetensorsFormatException(Path, name,
                        $"has dtype {info.DType}; ReadInt64 reads I64, I32, U32, I16, U16, I8, U8 and BOOL");
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        _pin.Dispose();
    }

    private ReadOnlySpan<byte> Bytes(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ReadOnlySpan<byte>(_data + offset, length);
    }

    private int ElementCountAsInt(SafetensorsTensorInfo info)
    {
        var count = info.ElementCount;
        if (count > Array.MaxLength)
            throw new SafetensorsFormatException(Path, info.Name,
                $"has {count} elements, more than one array can hold");
        return (int)count;
    }

    private void CheckDestination(SafetensorsTensorInfo info, int length, string unit)
    {
        if (length != info.ElementCount)
            throw new ArgumentException(
                $"{Path}: tensor '{info.Name}' has shape {info.ShapeText} ({info.ElementCount} elements) but the destination holds {length} {unit}");
    }

    /// <summary>Up to five present names, the ones sharing the longest prefix plus suffix with the missing name first.</summary>
    private string NearestNames(string name)
    {
        static int Shared(string a, string b)
        {
            var prefix = 0;
            while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
            var suffix = 0;
            while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;
            return prefix + suffix;
        }
        var nearest = Tensors.Keys
            .OrderByDescending(k => Shared(k, name)).ThenBy(k => k, StringComparer.Ordinal)
            .Take(5).Select(k => $"'{k}'");
        return string.Join(", ", nearest) + (Tensors.Count > 5 ? ", ..." : "");
    }

    private static void Narrow(ReadOnlySpan<double> src, Span<float> dst)
    {
        for (var i = 0; i < src.Length; i++) dst[i] = (float)src[i];
    }

    private static void Widen<T>(ReadOnlySpan<T> src, Span<long> dst) where T : IBinaryInteger<T>
    {
        for (var i = 0; i < src.Length; i++) dst[i] = long.CreateTruncating(src[i]);
    }
}
