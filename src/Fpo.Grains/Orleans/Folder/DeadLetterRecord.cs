using System.Buffers.Binary;
using System.Text;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>A record given up on, as the dead-letter file keeps it: its events still as Orleans serialized them.</summary>
internal sealed record DeadLetterRecord(StreamId StreamId, long Sequence, int Attempts, DateTimeOffset At, string Error, byte[] Payload)
{
    public const byte Kind = 1;

    /// <summary>sequence (8) | attempts (4) | unix ms (8) | namespace, key, error each as length (4) + bytes | payload.</summary>
    public byte[] Encode()
    {
        var error = Encoding.UTF8.GetBytes(Error);
        var ns = StreamId.Namespace.Span;
        var key = StreamId.Key.Span;
        var body = new byte[20 + 4 + ns.Length + 4 + key.Length + 4 + error.Length + Payload.Length];
        var at = body.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(at, Sequence);
        BinaryPrimitives.WriteInt32LittleEndian(at[8..], Attempts);
        BinaryPrimitives.WriteInt64LittleEndian(at[12..], At.ToUnixTimeMilliseconds());
        at = WriteBytes(at[20..], ns);
        at = WriteBytes(at, key);
        at = WriteBytes(at, error);
        Payload.CopyTo(at);
        return FramedFile.Encode(Kind, body);
    }

    public static DeadLetterRecord Decode(ReadOnlySpan<byte> body, string name)
    {
        if (body.Length < 20) throw Malformed(name, "a dead letter shorter than its fixed fields");
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(body);
        var attempts = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(body[12..]));
        var rest = body[20..];
        var ns = ReadBytes(ref rest, name);
        var key = ReadBytes(ref rest, name);
        var error = Encoding.UTF8.GetString(ReadBytes(ref rest, name));
        return new DeadLetterRecord(StreamId.Create(ns, key), sequence, attempts, at, error, rest.ToArray());
    }

    private static Span<byte> WriteBytes(Span<byte> at, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(at, bytes.Length);
        bytes.CopyTo(at[4..]);
        return at[(4 + bytes.Length)..];
    }

    private static ReadOnlySpan<byte> ReadBytes(ref ReadOnlySpan<byte> rest, string name)
    {
        var length = rest.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(rest) : -1;
        if (length < 0 || length > rest.Length - 4) throw Malformed(name, "a dead letter whose fields overrun it");
        var bytes = rest.Slice(4, length);
        rest = rest[(4 + length)..];
        return bytes;
    }

    private static InvalidDataException Malformed(string name, string problem) =>
        new($"{name}: {problem}; the checksum matched, so this file was written by another program or version. Move it aside to start over.");
}
