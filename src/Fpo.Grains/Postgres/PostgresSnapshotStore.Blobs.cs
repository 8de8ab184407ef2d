using System.Collections.Concurrent;
using System.Security.Cryptography;
using Fpo.Grains.Blob;
using Fpo.Grains.Stores;
using Npgsql;

namespace Fpo.Grains.Postgres;

// The blob half of the snapshot store: what goes up before the publishing transaction, what a reader fetches, and
// the delta chain between them.
internal sealed partial class PostgresSnapshotStore
{
    private readonly RecentSnapshots _recent = new();
    private readonly ConcurrentDictionary<long, Lazy<Task<SnapshotContent>>> _reading = new();

    // Uploads the publication's files (each written once) and returns the rows that will name them. A file goes up as
    // a delta against the previous version when that version is the last this process published or read, the version
    // is not due a full copy, and the delta is worth it.
    private async Task<IReadOnlyList<SnapshotFileRow>> StageAsync(SnapshotPublication publication, string sha256, CancellationToken cancellationToken)
    {
        var blobs = _blobs!;
        var version = publication.Version;
        var previous = version % blobs.Options.FullEvery == 0 ? null : _recent.Get(version - 1);
        var rows = new List<SnapshotFileRow>();
        foreach (var (name, bytes) in publication.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            byte[]? delta = null;
            if (previous is not null && previous.Files.TryGetValue(name, out var before)) delta = SnapshotDeltas.TryEncode(name, before, bytes);
            var stored = delta ?? bytes;
            var storedSha = Convert.ToHexStringLower(SHA256.HashData(stored));
            var location = blobs.NameOf(version, sha256, delta is null ? name : name + SnapshotDeltas.Suffix);
            try
            {
                await blobs.PutOnceAsync(location, stored, storedSha, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException && !cancellationToken.IsCancellationRequested)
            {
                // The client's own retries are spent (or the account refused the request): no row names the blob.
                throw new IOException($"snapshot {version} of run '{_run}': storing '{name}' in blob container {blobs.Container} failed " +
                    $"({BlobSnapshotFiles.Reason(e)}); nothing of the snapshot was published", e);
            }
            rows.Add(new SnapshotFileRow(name, bytes.LongLength, 0, location, stored.LongLength, storedSha, delta is null ? null : version - 1));
        }
        return rows;
    }

    private async Task WriteFileRowsAsync(NpgsqlConnection connection, long version, IReadOnlyList<SnapshotFileRow> rows, CancellationToken ct)
    {
        foreach (var row in rows)
            await Sql.ExecuteAsync(connection, """
                insert into fpo_snapshot_files (run, version, name, bytes, chunks, location, stored_bytes, stored_sha256, delta_base)
                values (@run, @version, @name, @bytes, 0, @location, @stored, @sha, @base)
                """, ct, ("run", _run), ("version", version), ("name", row.Name), ("bytes", row.Bytes), ("location", row.Location),
                ("stored", row.StoredBytes), ("sha", row.StoredSha256), ("base", row.DeltaBase)).ConfigureAwait(false);
    }

    // Readers of one version in this process share one fetch (the rollout grains of a silo all move to each new one).
    private async Task<SnapshotContent> GetFromBlobsAsync(SnapshotInfo info, List<SnapshotFileRow> rows, CancellationToken cancellationToken)
    {
        var reading = _reading.GetOrAdd(info.Version, _ => new Lazy<Task<SnapshotContent>>(() => FetchAsync(info, rows, cancellationToken)));
        try
        {
            return await reading.Value.ConfigureAwait(false);
        }
        finally
        {
            _reading.TryRemove(new KeyValuePair<long, Lazy<Task<SnapshotContent>>>(info.Version, reading));
        }
    }

    private async Task<SnapshotContent> FetchAsync(SnapshotInfo info, List<SnapshotFileRow> rows, CancellationToken cancellationToken)
    {
        var blobs = _blobs ?? throw new InvalidOperationException(
            $"snapshot {info.Version} of run '{_run}' is in blob storage, but this process has no blob connection (snapshots.store blob and FPO__snapshots__connection)");
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var what = $"snapshot {info.Version} of run '{_run}', file '{row.Name}'";
            if (row.StoredBytes is not { } length || length < 0 || row.StoredSha256 is not { } storedSha)
                throw new InvalidDataException($"{what}: its row names blob {row.Location} without its length and SHA-256; the snapshot is damaged");
            var stored = await blobs.GetAsync(row.Location!, length, storedSha, what, cancellationToken).ConfigureAwait(false);
            if (row.DeltaBase is not { } baseVersion)
            {
                files[row.Name] = stored;
                continue;
            }
            var baseContent = await GetAsync(baseVersion, cancellationToken).ConfigureAwait(false);
            if (!baseContent.Files.TryGetValue(row.Name, out var before))
                throw new InvalidDataException($"{what}: stored as a delta of snapshot {baseVersion}, which has no such file; the snapshot is damaged");
            files[row.Name] = SnapshotDeltas.Apply(before, stored, what);
        }
        var content = Verified(info, files);
        _recent.Add(content);
        return content;
    }
}
