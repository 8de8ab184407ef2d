using System.Buffers.Binary;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// A record appended to a queue file and not yet acknowledged: its sequence number (the stream token Orleans sees), its
/// stream and its events as Orleans serialized them. <paramref name="FrameLength"/> counts toward the file's live bytes.
/// </summary>
internal sealed record QueueRecord(long Sequence, StreamId StreamId, byte[] Payload, int FrameLength)
{
    /// <summary>The first record of every queue file: the sequence number the next append takes.</summary>
    public const byte StartKind = 1;

    public const byte AppendKind = 2;

    /// <summary>Sequence numbers that Orleans reported delivered (or that went to the dead letters).</summary>
    public const byte AcknowledgeKind = 3;

    public string Namespace => StreamId.GetNamespace() ?? "";

    /// <summary>sequence (8) | namespace length (4) | namespace | key length (4) | key | payload.</summary>
    public static byte[] EncodeAppend(long sequence, StreamId streamId, ReadOnlySpan<byte> payload)
    {
        var ns = streamId.Namespace.Span;
        var key = streamId.Key.Span;
        var body = new byte[8 + 4 + ns.Length + 4 + key.Length + payload.Length];
        var at = body.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(at, sequence);
        BinaryPrimitives.WriteInt32LittleEndian(at[8..], ns.Length);
        ns.CopyTo(at[12..]);
        at = at[(12 + ns.Length)..];
        BinaryPrimitives.WriteInt32LittleEndian(at, key.Length);
        key.CopyTo(at[4..]);
        payload.CopyTo(at[(4 + key.Length)..]);
        return FramedFile.Encode(AppendKind, body);
    }

    public static QueueRecord DecodeAppend(ReadOnlySpan<byte> body, int frameLength, string name)
    {
        if (body.Length < 16) throw Malformed(name, "an append record shorter than its fixed fields");
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(body);
        var nsLength = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        if (nsLength < 0 || nsLength > body.Length - 16) throw Malformed(name, $"record {sequence} has a stream namespace of {nsLength} bytes");
        var ns = body.Slice(12, nsLength);
        var rest = body[(12 + nsLength)..];
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(rest);
        if (keyLength < 0 || keyLength > rest.Length - 4) throw Malformed(name, $"record {sequence} has a stream key of {keyLength} bytes");
        var key = rest.Slice(4, keyLength);
        return new QueueRecord(sequence, StreamId.Create(ns, key), rest[(4 + keyLength)..].ToArray(), frameLength);
    }

    public static byte[] EncodeStart(long nextSequence)
    {
        Span<byte> body = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(body, nextSequence);
        return FramedFile.Encode(StartKind, body);
    }

    public static long DecodeStart(ReadOnlySpan<byte> body, string name) =>
        body.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(body) : throw Malformed(name, $"a start record of {body.Length} bytes, expected 8");

    public static byte[] EncodeAcknowledge(IReadOnlyList<long> sequences)
    {
        var body = new byte[8 * sequences.Count];
        for (var i = 0; i < sequences.Count; i++) BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(8 * i), sequences[i]);
        return FramedFile.Encode(AcknowledgeKind, body);
    }

    public static IEnumerable<long> DecodeAcknowledge(byte[] file, Frame frame, string name)
    {
        if (frame.BodyLength % 8 != 0) throw Malformed(name, $"an acknowledgement record of {frame.BodyLength} bytes, not a multiple of 8");
        for (var at = frame.BodyOffset; at < frame.BodyOffset + frame.BodyLength; at += 8)
            yield return BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(at));
    }

    private static InvalidDataException Malformed(string name, string problem) =>
        new($"{name}: {problem}; the checksum matched, so this file was written by another program or version. Move it aside to start over.");
}
