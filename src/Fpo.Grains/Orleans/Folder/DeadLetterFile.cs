using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>The append-only file of a provider's dead letters, written like its queues and read back whole on request.</summary>
internal sealed class DeadLetterFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly string _name;
    private readonly SafeFileHandle _file;
    private long _length;

    public DeadLetterFile(string path, ILogger logger)
    {
        _name = Path.GetFileName(path);
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        var bytes = ReadAll(RandomAccess.GetLength(_file));
        var frames = FramedFile.Read(bytes, _name, out var validLength, out var tornBytes);
        if (tornBytes > 0)
        {
            logger.LogWarning(
                "{File}: dropped a torn last dead letter ({TornBytes} bytes at byte {Offset}); the process stopped while writing it. The {Kept} before it are kept.",
                _name, tornBytes, validLength, frames.Count);
            RandomAccess.SetLength(_file, validLength);
        }
        _length = validLength;
    }

    public void Append(DeadLetterRecord record)
    {
        var frame = record.Encode();
        lock (_gate)
        {
            RandomAccess.Write(_file, frame, _length);
            _length += frame.Length;
        }
    }

    public List<DeadLetterRecord> ReadAll()
    {
        byte[] bytes;
        lock (_gate) bytes = ReadAll(_length);
        return [.. FramedFile.Read(bytes, _name, out _, out _).Select(f => f.Kind == DeadLetterRecord.Kind
            ? DeadLetterRecord.Decode(bytes.AsSpan(f.BodyOffset, f.BodyLength), _name)
            : throw new InvalidDataException($"{_name}: byte {f.Offset}: record kind {f.Kind} is unknown; the file was written by a newer version"))];
    }

    public void Dispose() => _file.Dispose();

    private byte[] ReadAll(long length)
    {
        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var count = RandomAccess.Read(_file, bytes.AsSpan(read), read);
            if (count == 0) throw new IOException($"{_name}: ended at byte {read} while {length} bytes were expected; another program truncated it");
            read += count;
        }
        return bytes;
    }
}
