using System.Buffers.Binary;
using System.IO.Hashing;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>One checksummed record of a <see cref="FramedFile"/>: its kind and where its body lies in the file.</summary>
internal readonly record struct Frame(byte Kind, int Offset, int BodyOffset, int BodyLength)
{
    public int Length => BodyOffset - Offset + BodyLength;
}

/// <summary>
/// The record layout of the folder's append-only files: magic (4 bytes), kind (1), body length (4), CRC-32 of the body
/// (4), body; little-endian. A process killed mid-write leaves at most one torn record at the end of a file: reading
/// drops it with a warning and the file is cut back to its last complete record. A damaged record with complete records
/// after it is not a torn write, and reading refuses the file rather than guess which bytes to trust.
/// </summary>
internal static class FramedFile
{
    public const int HeaderLength = 13;
    private const uint Magic = 0x514F5046; // "FPOQ" as little-endian bytes

    /// <summary>The bytes of one record, ready for a single positioned write.</summary>
    public static byte[] Encode(byte kind, ReadOnlySpan<byte> body)
    {
        var frame = new byte[HeaderLength + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Magic);
        frame[4] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(5), body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(9), Crc32.HashToUInt32(body));
        body.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>
    /// The complete records of <paramref name="bytes"/> in file order and the length they cover; a torn tail past that
    /// length is reported in <paramref name="tornBytes"/>. Throws when a damaged record has complete records after it.
    /// </summary>
    public static List<Frame> Read(ReadOnlySpan<byte> bytes, string name, out int validLength, out int tornBytes)
    {
        var frames = new List<Frame>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (!TryRead(bytes, offset, out var frame))
            {
                var next = NextCompleteRecord(bytes, offset + 1);
                if (next >= 0)
                    throw new InvalidDataException(
                        $"{name}: the record at byte {offset} is damaged, yet complete records follow at byte {next}; this is not a torn last write. " +
                        "Stop the silo and move the file aside (its complete records are lost to the run) or restore it from a copy.");
                validLength = offset;
                tornBytes = bytes.Length - offset;
                return frames;
            }
            frames.Add(frame);
            offset += frame.Length;
        }
        validLength = offset;
        tornBytes = 0;
        return frames;
    }

    private static int NextCompleteRecord(ReadOnlySpan<byte> bytes, int from)
    {
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, Magic);
        while (from < bytes.Length)
        {
            var found = bytes[from..].IndexOf(magic);
            if (found < 0) return -1;
            if (TryRead(bytes, from + found, out _)) return from + found;
            from += found + 1;
        }
        return -1;
    }

    private static bool TryRead(ReadOnlySpan<byte> bytes, int offset, out Frame frame)
    {
        frame = default;
        var rest = bytes[offset..];
        if (rest.Length < HeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(rest) != Magic) return false;
        var length = BinaryPrimitives.ReadInt32LittleEndian(rest[5..]);
        if (length < 0 || length > rest.Length - HeaderLength) return false;
        var body = rest.Slice(HeaderLength, length);
        if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(rest[9..])) return false;
        frame = new Frame(rest[4], offset, offset + HeaderLength, length);
        return true;
    }
}
