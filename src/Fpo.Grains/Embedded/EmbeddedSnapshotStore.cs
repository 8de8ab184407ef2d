using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Fpo.Grains.Stores;

namespace Fpo.Grains.Embedded;

/// <summary>
/// An <see cref="ISnapshotStore"/> in snapshots/v{version:D6}/ of the run folder: the files plus snapshot.json, written
/// to a .tmp- folder and renamed into place, so a snapshot is either whole or absent. The compare-and-set on the version
/// and the check that no preference is in two snapshots run under one lock with the write. Only the index is kept in
/// memory; bytes are read (and verified) on every <see cref="GetAsync"/>.
/// </summary>
internal sealed class EmbeddedSnapshotStore : ISnapshotStore, IDisposable
{
    private const string TempPrefix = ".tmp-";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    private readonly string _folder;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<SnapshotManifest> _snapshots = [];
    private readonly Dictionary<string, long> _snapshotOf = new(StringComparer.Ordinal);
    private TaskCompletionSource _published = NewSignal();

    public EmbeddedSnapshotStore(string folder, TimeProvider time)
    {
        _folder = folder;
        _time = time;
        Directory.CreateDirectory(folder);
        foreach (var leftover in Directory.GetDirectories(folder, TempPrefix + "*")) Directory.Delete(leftover, recursive: true);
        var versions = new SortedDictionary<long, string>();
        foreach (var dir in Directory.GetDirectories(folder))
        {
            var name = Path.GetFileName(dir);
            if (name.Length > 1 && name[0] == 'v' && long.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                versions[v] = dir;
        }
        foreach (var (version, dir) in versions)
        {
            if (version != _snapshots.Count)
                throw new InvalidDataException($"snapshots: {Path.GetFileName(dir)} exists but version {_snapshots.Count} is missing; versions must run 0, 1, 2, …");
            var manifest = ReadManifest(dir, version);
            foreach (var id in manifest.PreferenceIds)
                if (!_snapshotOf.TryAdd(id, version))
                    throw new InvalidDataException($"snapshots: preference '{id}' is in both version {_snapshotOf[id]} and version {version}");
            _snapshots.Add(manifest);
        }
    }

    public async Task<SnapshotInfo> PublishAsync(SnapshotPublication publication, CancellationToken cancellationToken)
    {
        foreach (var name in publication.Files.Keys) CheckFileName(name);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in publication.PreferenceIds)
            if (string.IsNullOrEmpty(id) || !ids.Add(id))
                throw new ArgumentException($"snapshot {publication.Version}: preference id '{id}' is empty or listed twice", nameof(publication));
        await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sha256 = SnapshotContent.ComputeSha256(publication.Files);
            SnapshotManifest? stored = null;
            lock (_gate)
            {
                var latest = _snapshots.Count - 1;
                if (latest >= 0 && publication.Version == latest && IsRetryOf(_snapshots[^1], publication, sha256))
                    stored = _snapshots[^1];
            }
            if (stored is not null) return stored.Info;
            lock (_gate)
            {
                var latest = _snapshots.Count - 1;
                if (publication.Version != latest + 1)
                    throw new SnapshotConflictException($"snapshot {publication.Version} cannot be published: the latest is {latest}, so only {latest + 1} can be");
                foreach (var id in publication.PreferenceIds)
                    if (_snapshotOf.TryGetValue(id, out var earlier))
                        throw new SnapshotConflictException($"snapshot {publication.Version} cannot be published: preference '{id}' is already in snapshot {earlier}");
            }
            var manifest = new SnapshotManifest(
                publication.Version,
                sha256,
                publication.Files.Values.Sum(f => f.LongLength),
                _time.GetUtcNow(),
                publication.TrainerStep,
                publication.Metadata,
                [.. publication.PreferenceIds]);
            await WriteAsync(publication.Files, manifest, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _snapshots.Add(manifest);
                foreach (var id in manifest.PreferenceIds) _snapshotOf.Add(id, manifest.Version);
                var woken = _published;
                _published = NewSignal();
                woken.SetResult();
            }
            return manifest.Info;
        }
        finally
        {
            _publishing.Release();
        }
    }

    public Task<SnapshotInfo?> LatestAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_snapshots.Count == 0 ? null : _snapshots[^1].Info);
    }

    public Task<IReadOnlyList<SnapshotInfo>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<SnapshotInfo>>([.. _snapshots.Select(s => s.Info)]);
    }

    public async Task<SnapshotContent> GetAsync(long version, CancellationToken cancellationToken)
    {
        SnapshotInfo info;
        lock (_gate)
        {
            if (version < 0 || version >= _snapshots.Count)
                throw new KeyNotFoundException($"snapshot {version} does not exist; the store holds versions 0 to {_snapshots.Count - 1}");
            info = _snapshots[(int)version].Info;
        }
        var dir = VersionFolder(version);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(dir))
        {
            var name = Path.GetFileName(path);
            if (name != SnapshotManifest.FileName) files[name] = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        var sha = SnapshotContent.ComputeSha256(files);
        if (sha != info.Sha256)
            throw new InvalidDataException($"snapshot {version}: the files in {dir} have SHA-256 {sha}, but {info.Sha256} was published; the snapshot is damaged");
        return new SnapshotContent(info, files);
    }

    public async IAsyncEnumerable<SnapshotInfo> WatchAsync(long afterVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = Math.Max(afterVersion + 1, 0);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<SnapshotInfo> fresh;
            Task published;
            lock (_gate)
            {
                fresh = [.. _snapshots.Skip((int)Math.Min(next, _snapshots.Count)).Select(s => s.Info)];
                published = _published.Task;
            }
            foreach (var info in fresh)
            {
                yield return info;
                next = info.Version + 1;
            }
            if (fresh.Count == 0) await published.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The snapshot holding <paramref name="preferenceId"/>, for the lineage log.</summary>
    public long? SnapshotOf(string preferenceId)
    {
        lock (_gate) return _snapshotOf.TryGetValue(preferenceId, out var v) ? v : null;
    }

    /// <summary>The preference ids of <paramref name="version"/>; none for a version that does not exist (yet).</summary>
    public IReadOnlyList<string> PreferencesIn(long version)
    {
        lock (_gate) return version >= 0 && version < _snapshots.Count ? _snapshots[(int)version].PreferenceIds : [];
    }

    private async Task WriteAsync(IReadOnlyDictionary<string, byte[]> files, SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(_folder, $"{TempPrefix}v{manifest.Version:D6}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            foreach (var (name, bytes) in files)
                await File.WriteAllBytesAsync(Path.Combine(temp, name), bytes, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(temp, SnapshotManifest.FileName), JsonSerializer.Serialize(manifest, Json), cancellationToken).ConfigureAwait(false);
            Directory.Move(temp, VersionFolder(manifest.Version));
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    private SnapshotManifest ReadManifest(string dir, long version)
    {
        var path = Path.Combine(dir, SnapshotManifest.FileName);
        SnapshotManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SnapshotManifest>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: cannot read the snapshot description: {e.Message}", e);
        }
        if (manifest is null || manifest.Version != version || string.IsNullOrEmpty(manifest.Sha256) || manifest.PreferenceIds is null || manifest.Metadata is null)
            throw new InvalidDataException($"{path}: expected the description of version {version} with sha256, metadata and preferenceIds");
        return manifest;
    }

    public void Dispose() => _publishing.Dispose();

    /// <summary>The same publication again (its reply was lost): the stored snapshot is the answer, not a conflict.</summary>
    private static bool IsRetryOf(SnapshotManifest stored, SnapshotPublication publication, string sha256) =>
        stored.Sha256 == sha256 && stored.TrainerStep == publication.TrainerStep && stored.PreferenceIds.SequenceEqual(publication.PreferenceIds, StringComparer.Ordinal);

    private string VersionFolder(long version) => Path.Combine(_folder, $"v{version:D6}");

    private static void CheckFileName(string name)
    {
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name == SnapshotManifest.FileName || name.StartsWith(TempPrefix, StringComparison.Ordinal)
            || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\'))
            throw new ArgumentException($"snapshot file name '{name}' is not a plain file name (or is the reserved {SnapshotManifest.FileName})", nameof(name));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
