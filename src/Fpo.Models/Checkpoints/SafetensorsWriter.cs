using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fpo.Tensors;

namespace Fpo.Models.Checkpoints;

/// <summary>
/// Writes safetensors files. Tensors keep the given order, stably grouped by element size from largest to
/// smallest (as huggingface/safetensors does), so with the header padded to 8 bytes every tensor starts aligned
/// to its element size. The file appears atomically: it is written to a temporary file beside it, then moved.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (ordered, header) = Layout(path, tensors, metadata);

        var full = System.IO.Path.GetFullPath(path);
        var temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WritePrefix(stream, header);
                foreach (var t in ordered) t.WriteData(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// The bytes <see cref="Write"/> would put in a file, built in memory: one exactly sized array, the tensors'
    /// data written into their slices in parallel (each slice's place is known from the header).
    /// <paramref name="label"/> names the result in errors.
    /// </summary>
    public static byte[] ToBytes(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null, string label = "<memory>")
    {
        var (ordered, header) = Layout(label, tensors, metadata);
        var starts = new long[ordered.Count + 1];
        starts[0] = 8 + header.Length;
        for (var i = 0; i < ordered.Count; i++) starts[i + 1] = checked(starts[i] + ordered[i].ByteLength);
        if (starts[^1] > Array.MaxLength)
            throw new ArgumentException($"{label}: {starts[^1]} bytes do not fit one array; write a file instead", nameof(tensors));
        var bytes = GC.AllocateUninitializedArray<byte>((int)starts[^1]);
        using (var prefix = new MemoryStream(bytes, 0, (int)starts[0]))
            WritePrefix(prefix, header);
        ComputeThreads.For(ordered.Count, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                using var slice = new MemoryStream(bytes, (int)starts[i], (int)ordered[i].ByteLength);
                ordered[i].WriteData(slice);
            }
        }, rangesPerThread: 8);
        return bytes;
    }

    // Tensors in file order (stably by element size, largest first) and the padded header naming them.
    private static (List<SafetensorsTensor> Ordered, byte[] Header) Layout(string label, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var ordered = tensors.OrderByDescending(t => t.DType.ByteSize()).ToList();
        return (ordered, Header(label, ordered, metadata));
    }

    // The u64 little-endian header length, then the header.
    private static void WritePrefix(Stream stream, byte[] header)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
    }

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes.</summary>
    private static byte[] Header(string path, List<SafetensorsTensor> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (var t in ordered)
            {
                if (!names.Add(t.Name))
                    throw new ArgumentException($"{path}: tensor '{t.Name}' is given twice", nameof(ordered));
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.ByteLength;
            }
            json.WriteEndObject();
        }
        var padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
