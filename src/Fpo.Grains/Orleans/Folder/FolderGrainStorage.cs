using System.Buffers.Binary;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// Grain state as one file per grain and state name in a folder: magic "FPOS", a 16-byte ETag, then the state as the
/// silo's grain storage serializer writes it. A write goes to a temporary file, is flushed to disk, and is renamed over
/// the old one, so a kill at any point leaves the old state or the new one, never a mix. A write or clear whose ETag is
/// not the stored one is refused with <see cref="InconsistentStateException"/>: another activation wrote in between.
/// The ETag is a fresh random value per write, so a clear and later writes never bring an old ETag back.
/// </summary>
internal sealed class FolderGrainStorage(string name, string folder, IGrainStorageSerializer serializer, IActivatorProvider activators) : IGrainStorage
{
    private const uint Magic = 0x534F5046; // "FPOS" as little-endian bytes
    private const int HeaderLength = 20;
    private readonly string _folder = Path.GetFullPath(folder);

    // Check-then-replace must not interleave for one file; striping keeps that without a lock object per grain.
    private readonly Lock[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        byte[]? bytes;
        lock (Stripe(path)) bytes = File.Exists(path) ? File.ReadAllBytes(path) : null;
        if (bytes is null)
        {
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
        var etag = ReadETag(bytes, path);
        grainState.State = serializer.Deserialize<T>(new BinaryData(bytes.AsMemory(HeaderLength))) ?? activators.GetActivator<T>().Create();
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        var state = serializer.Serialize(grainState.State).ToMemory();
        var etag = Guid.NewGuid().ToString("N");
        var bytes = new byte[HeaderLength + state.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        Guid.ParseExact(etag, "N").TryWriteBytes(bytes.AsSpan(4));
        state.Span.CopyTo(bytes.AsSpan(HeaderLength));
        lock (Stripe(path))
        {
            CheckETag(path, grainState.ETag, "write");
            var temporary = path + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        lock (Stripe(path))
        {
            CheckETag(path, grainState.ETag, "clear");
            File.Delete(path);
        }
        grainState.State = activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        Directory.CreateDirectory(_folder);
        var path = Path.GetFullPath(Path.Combine(_folder, GrainStateFileName.For(stateName, grainId)));
        if (Path.GetDirectoryName(path) != _folder)
            throw new InvalidOperationException($"grain storage '{name}': the state file of {grainId} would be {path}, outside {_folder}");
        return path;
    }

    private Lock Stripe(string path) => _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(path) % _stripes.Length)];

    private void CheckETag(string path, string? expected, string operation)
    {
        string? stored = null;
        if (File.Exists(path))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var header = new byte[HeaderLength];
            file.ReadExactly(header);
            stored = ReadETag(header, path);
        }
        if (stored != expected)
            throw new InconsistentStateException(
                $"grain storage '{name}': {operation} of {Path.GetFileName(path)} refused: it holds ETag {stored ?? "(none)"}, the grain expected {expected ?? "(none)"}; " +
                "another activation changed it since this one read it. Deactivate the grain so that it reads the state again.",
                stored, expected);
    }

    private string ReadETag(byte[] bytes, string path)
    {
        if (bytes.Length < HeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
            throw new InvalidDataException($"grain storage '{name}': {path} is not a grain state file (no FPOS header); move it out of {_folder}");
        return new Guid(bytes.AsSpan(4, 16)).ToString("N");
    }
}
