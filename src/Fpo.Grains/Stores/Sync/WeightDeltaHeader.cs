using System.Buffers.Binary;

namespace Fpo.Grains.Stores.Sync;

/// <summary>
/// The self-describing head of a weight delta, all little-endian:
/// magic "FPWD" | u16 format version | u8 element width | u8 0 | u64 total length | u32 chunk count |
/// chunk count × (u32 compressed length, u32 raw length) | the chunks' zstd frames, back to back.
/// <see cref="Read"/> checks every claim against the real lengths (the delta's and the previous version's) before
/// anything is allocated from it.
/// </summary>
internal sealed record WeightDeltaHeader(int ElementBytes, long TotalLength, int[] Compressed, int[] Raw)
{
    public const ushort FormatVersion = 1;

    /// <summary>Bytes before the chunk table.</summary>
    public const int FixedLength = 20;

    /// <summary>Raw bytes per chunk: a multiple of 8, so every chunk starts on an element of any width.</summary>
    public const int ChunkBytes = 4 << 20;

    private static ReadOnlySpan<byte> Magic => "FPWD"u8;

    public static bool IsSupportedWidth(int width) => width is 1 or 2 or 4 or 8;

    public int Length => FixedLength + 8 * Raw.Length;

    /// <summary>How a total length splits into chunks: all of <see cref="ChunkBytes"/> but a shorter last one.</summary>
    public static int[] ChunkLengths(long totalLength)
    {
        var count = (int)((totalLength + ChunkBytes - 1) / ChunkBytes);
        var raw = new int[count];
        for (var i = 0; i < count; i++) raw[i] = (int)Math.Min(ChunkBytes, totalLength - (long)i * ChunkBytes);
        return raw;
    }

    public void Write(Span<byte> destination)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], FormatVersion);
        destination[6] = (byte)ElementBytes;
        destination[7] = 0;
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], TotalLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], Raw.Length);
        for (var i = 0; i < Raw.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination[(FixedLength + 8 * i)..], Compressed[i]);
            BinaryPrimitives.WriteInt32LittleEndian(destination[(FixedLength + 8 * i + 4)..], Raw[i]);
        }
    }

    /// <summary>The header of <paramref name="delta"/>, a delta from a version of <paramref name="previousLength"/> bytes; throws <see cref="InvalidDataException"/> naming the first claim that does not hold.</summary>
    public static WeightDeltaHeader Read(ReadOnlySpan<byte> delta, long previousLength)
    {
        if (delta.Length < FixedLength)
            throw Invalid($"{delta.Length} bytes, shorter than the {FixedLength}-byte header");
        if (!delta[..4].SequenceEqual(Magic))
            throw Invalid($"magic is {Convert.ToHexString(delta[..4])}, expected {Convert.ToHexString(Magic)} (\"FPWD\")");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(delta[4..]);
        if (version != FormatVersion)
            throw Invalid($"format version {version}; this reader knows version {FormatVersion}");
        var width = delta[6];
        if (!IsSupportedWidth(width))
            throw Invalid($"element width {width}; widths are 1, 2, 4 or 8 bytes");
        if (delta[7] != 0)
            throw Invalid($"reserved byte 7 is 0x{delta[7]:X2}, expected 0");
        var total = BinaryPrimitives.ReadInt64LittleEndian(delta[8..]);
        if (total != previousLength)
            throw Invalid($"it encodes {total} bytes but the previous version has {previousLength}; a delta applies only to a version of its own length");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(delta[16..]);
        var expected = ChunkLengths(total);
        if (count != expected.Length)
            throw Invalid($"{count} chunks, but {total} bytes make {expected.Length} chunks of {ChunkBytes} bytes");
        // The table's size is now bounded by the real previous length; check it fits the real delta before reading it.
        var tableEnd = FixedLength + 8L * count;
        if (tableEnd > delta.Length)
            throw Invalid($"its chunk table of {count} entries ends at byte {tableEnd}, past its end ({delta.Length} bytes)");
        var compressed = new int[count];
        long payload = 0;
        for (var i = 0; i < count; i++)
        {
            var c = BinaryPrimitives.ReadUInt32LittleEndian(delta[(FixedLength + 8 * i)..]);
            var raw = BinaryPrimitives.ReadUInt32LittleEndian(delta[(FixedLength + 8 * i + 4)..]);
            if (raw != expected[i])
                throw Invalid($"chunk {i} claims {raw} raw bytes, expected {expected[i]}");
            if (c == 0 || c > delta.Length)
                throw Invalid($"chunk {i} claims {c} compressed bytes, the delta has {delta.Length}");
            compressed[i] = (int)c;
            payload += c;
        }
        if (tableEnd + payload != delta.Length)
            throw Invalid($"its chunks' compressed lengths add up to {payload} bytes after the {tableEnd}-byte header, but {delta.Length - tableEnd} bytes follow it");
        return new WeightDeltaHeader(width, total, compressed, expected);
    }

    internal static InvalidDataException Invalid(string problem) => new($"weight delta: {problem}");
}
