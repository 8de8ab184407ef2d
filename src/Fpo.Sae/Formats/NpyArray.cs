using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Fpo.Sae.Formats;

/// <summary>
/// Reads one float array in NumPy's .npy format: "\x93NUMPY", version, header length (u16 for v1, u32 for v2/3), a
/// Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw data. Little-endian f4 and f8, C order only.
/// The data length the header claims is checked against the bytes present before anything is allocated.
/// </summary>
internal static partial class NpyArray
{
    private const int MaxHeaderLength = 1 << 16;

    /// <param name="where">How errors name the array, e.g. "params.npz: W_enc.npy".</param>
    public static (long[] Shape, float[] Data) Read(Stream stream, long length, string where)
    {
        Span<byte> prefix = stackalloc byte[12];
        ReadExactly(stream, prefix[..8], where, "the 8-byte magic and version");
        if (prefix[0] != 0x93 || !prefix[1..6].SequenceEqual("NUMPY"u8))
            throw new InvalidDataException($"{where}: does not start with the .npy magic \\x93NUMPY");
        int major = prefix[6], lengthBytes = major == 1 ? 2 : major is 2 or 3 ? 4 : throw new InvalidDataException($"{where}: .npy version {major} is not supported (1, 2, 3)");
        ReadExactly(stream, prefix.Slice(8, lengthBytes), where, "the header length");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        if (headerLength > MaxHeaderLength || 8 + lengthBytes + headerLength > length)
            throw new InvalidDataException($"{where}: header length {headerLength} runs past the {length} bytes of the array");
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, where, "the header");
        var (dtypeSize, shape) = Header(Encoding.Latin1.GetString(headerBytes), where);
        long count = 1;
        foreach (var d in shape) count = d > 0 && count > Array.MaxLength / d ? long.MaxValue : count * d;
        var dataLength = length - 8 - lengthBytes - headerLength;
        if (count > Array.MaxLength || count * dtypeSize != dataLength)
            throw new InvalidDataException($"{where}: shape ({string.Join(", ", shape)}) of {dtypeSize}-byte values needs {(count > Array.MaxLength ? "more" : (count * dtypeSize).ToString(CultureInfo.InvariantCulture))} bytes but {dataLength} follow the header");
        var data = new float[count];
        var raw = new byte[Math.Min(dataLength, 1 << 20)];
        long done = 0;
        while (done < count)
        {
            var n = (int)Math.Min(count - done, raw.Length / dtypeSize);
            ReadExactly(stream, raw.AsSpan(0, n * dtypeSize), where, "the data");
            for (var i = 0; i < n; i++)
                data[done + i] = dtypeSize == 4
                    ? BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4))
                    : (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(i * 8));
            done += n;
        }
        return (shape, data);
    }

    private static (int DtypeSize, long[] Shape) Header(string header, string where)
    {
        var descr = DescrPattern().Match(header);
        if (!descr.Success) throw new InvalidDataException($"{where}: header has no 'descr': {Shorten(header)}");
        var size = descr.Groups[1].Value switch
        {
            "<f4" => 4,
            "<f8" => 8,
            var other => throw new InvalidDataException($"{where}: dtype '{other}' is not supported (<f4, <f8)"),
        };
        var order = OrderPattern().Match(header);
        if (!order.Success || order.Groups[1].Value != "False")
            throw new InvalidDataException($"{where}: only C-order arrays are supported (fortran_order must be False): {Shorten(header)}");
        var shape = ShapePattern().Match(header);
        if (!shape.Success) throw new InvalidDataException($"{where}: header has no 'shape': {Shorten(header)}");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new long[dims.Length];
        for (var i = 0; i < dims.Length; i++)
            if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]))
                throw new InvalidDataException($"{where}: shape entry '{dims[i]}' is not a non-negative integer");
        return (size, result);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string where, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{where}: ends inside {what}", e);
        }
    }

    private static string Shorten(string s) => s.Length > 100 ? s[..100] + "..." : s;

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(\w+)")]
    private static partial Regex OrderPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([0-9,\s]*)\)")]
    private static partial Regex ShapePattern();
}
