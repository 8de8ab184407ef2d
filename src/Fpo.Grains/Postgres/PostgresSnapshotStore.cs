using System.Data;
using System.Runtime.CompilerServices;
using Fpo.Grains.Blob;
using Fpo.Grains.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Fpo.Grains.Postgres;

/// <summary>
/// An <see cref="ISnapshotStore"/> in fpo_snapshots (descriptions), fpo_snapshot_files and either fpo_snapshot_chunks
/// (the bytes, in bytea rows of <see cref="PostgresStoreOptions.SnapshotChunkBytes"/>) or blob storage
/// (<see cref="PostgresStoreOptions.Blobs"/>: the bytes are uploaded, written once, before the transaction, and the
/// rows name the blobs). Publishing is one transaction under a per-run advisory lock: compare-and-set of latest + 1,
/// the lineage rows (unique per run and preference), the file rows (and chunks), then a notification; blobs of a
/// publication that loses are never named by a row, so nothing of it is visible. Reading checks the SHA-256.
/// </summary>
internal sealed partial class PostgresSnapshotStore : ISnapshotStore
{
    private readonly PostgresConnector _connector;
    private readonly PostgresNotifications _notifications;
    private readonly string _run;
    private readonly BlobSnapshotFiles? _blobs;

    public PostgresSnapshotStore(PostgresConnector connector, PostgresNotifications notifications, string run, BlobSnapshotFiles? blobs)
    {
        _connector = connector;
        _notifications = notifications;
        _run = run;
        _blobs = blobs;
    }

    private string NotifyKey => $"p:{_run}";

    public async Task<SnapshotInfo> PublishAsync(SnapshotPublication publication, CancellationToken cancellationToken)
    {
        foreach (var name in publication.Files.Keys)
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"snapshot {publication.Version}: a file has an empty name", nameof(publication));
        var ids = publication.PreferenceIds.ToArray();
        if (ids.Any(string.IsNullOrEmpty) || ids.Distinct(StringComparer.Ordinal).Count() != ids.Length)
        {
            var bad = ids.GroupBy(i => i, StringComparer.Ordinal).First(g => string.IsNullOrEmpty(g.Key) || g.Count() > 1).Key;
            throw new ArgumentException($"snapshot {publication.Version}: preference id '{bad}' is empty or listed twice", nameof(publication));
        }
        var sha256 = SnapshotContent.ComputeSha256(publication.Files);
        var bytes = publication.Files.Values.Sum(f => f.LongLength);
        var staged = _blobs is null ? null : await StageAsync(publication, sha256, cancellationToken).ConfigureAwait(false);
        var info = await _connector.TransactAsync($"publishing snapshot {publication.Version}",
            (connection, ct) => PublishAsync(connection, publication, ids, sha256, bytes, staged, ct), cancellationToken).ConfigureAwait(false);
        if (_blobs is not null) _recent.Add(new SnapshotContent(info, publication.Files));
        return info;
    }

    private async Task<SnapshotInfo> PublishAsync(NpgsqlConnection connection, SnapshotPublication publication, string[] ids, string sha256, long bytes,
        IReadOnlyList<SnapshotFileRow>? staged, CancellationToken ct)
    {
        var version = publication.Version;
        await Sql.ExecuteAsync(connection, "select pg_advisory_xact_lock(@key)", ct, ("key", Sql.LockKey(_run, "snapshots"))).ConfigureAwait(false);
        var latest = (await ListAsync(connection, "order by version desc limit 1", ct).ConfigureAwait(false)).FirstOrDefault();
        if (latest is not null && latest.Version == version && latest.Sha256 == sha256 && latest.TrainerStep == publication.TrainerStep && latest.PreferenceCount == ids.Length)
            return latest;   // this publication, committed by an attempt whose reply was lost
        var expected = (latest?.Version ?? -1) + 1;
        if (version != expected)
            throw new SnapshotConflictException($"snapshot {version} cannot be published in run '{_run}': the latest is {expected - 1}, so only {expected} can be");
        var added = await Sql.ExecuteAsync(connection, """
            insert into fpo_lineage (run, preference_id, version) select @run, id, @version from unnest(@ids::text[]) as id
            on conflict do nothing
            """, ct, ("run", _run), ("version", version), ("ids", ids)).ConfigureAwait(false);
        if (added != ids.Length)
        {
            var (id, earlier) = (await Sql.ListAsync(connection,
                "select preference_id, version from fpo_lineage where run = @run and preference_id = any(@ids) and version <> @version order by version, preference_id limit 1",
                r => (r.GetString(0), r.GetInt64(1)), ct, ("run", _run), ("ids", ids), ("version", version)).ConfigureAwait(false))[0];
            throw new SnapshotConflictException($"snapshot {version} cannot be published in run '{_run}': preference '{id}' is already in snapshot {earlier}");
        }
        await Sql.ExecuteAsync(connection, """
            insert into fpo_snapshots (run, version, sha256, bytes, trainer_step, preference_count, metadata)
            values (@run, @version, @sha, @bytes, @step, @count, @metadata)
            """, ct, ("run", _run), ("version", version), ("sha", sha256), ("bytes", bytes), ("step", publication.TrainerStep),
            ("count", ids.Length), ("metadata", publication.Metadata)).ConfigureAwait(false);
        if (staged is null) await WriteFilesAsync(connection, version, publication.Files, ct).ConfigureAwait(false);
        else await WriteFileRowsAsync(connection, version, staged, ct).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, $"select pg_notify('{PostgresSchema.Channel}', @key)", ct, ("key", NotifyKey)).ConfigureAwait(false);
        return (await ListAsync(connection, "and version = @version", ct, ("version", version)).ConfigureAwait(false))[0];
    }

    private async Task WriteFilesAsync(NpgsqlConnection connection, long version, IReadOnlyDictionary<string, byte[]> files, CancellationToken ct)
    {
        var chunkBytes = _connector.Options.SnapshotChunkBytes;
        await using var insert = new NpgsqlCommand(
            "insert into fpo_snapshot_chunks (run, version, name, chunk, data) values (@run, @version, @name, @chunk, @data)", connection);
        insert.Parameters.AddWithValue("run", _run);
        insert.Parameters.AddWithValue("version", version);
        var name = insert.Parameters.Add("name", NpgsqlDbType.Text);
        var chunk = insert.Parameters.Add("chunk", NpgsqlDbType.Integer);
        var data = new NpgsqlParameter<ReadOnlyMemory<byte>>("data", NpgsqlDbType.Bytea);
        insert.Parameters.Add(data);
        foreach (var (file, content) in files)
        {
            var chunks = (int)((content.LongLength + chunkBytes - 1) / chunkBytes);
            await Sql.ExecuteAsync(connection, "insert into fpo_snapshot_files (run, version, name, bytes, chunks) values (@run, @version, @name, @bytes, @chunks)",
                ct, ("run", _run), ("version", version), ("name", file), ("bytes", content.LongLength), ("chunks", chunks)).ConfigureAwait(false);
            name.Value = file;
            for (var c = 0; c < chunks; c++)
            {
                chunk.Value = c;
                var start = (long)c * chunkBytes;
                data.TypedValue = content.AsMemory((int)start, (int)Math.Min(chunkBytes, content.LongLength - start));
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
    }

    public async Task<SnapshotInfo?> LatestAsync(CancellationToken cancellationToken) =>
        (await _connector.RunAsync("reading the latest snapshot", (connection, ct) => ListAsync(connection, "order by version desc limit 1", ct), cancellationToken)
            .ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<SnapshotInfo>> ListAsync(CancellationToken cancellationToken) =>
        await _connector.RunAsync("listing snapshots", (connection, ct) => ListAsync(connection, "order by version", ct), cancellationToken).ConfigureAwait(false);

    public async Task<SnapshotContent> GetAsync(long version, CancellationToken cancellationToken)
    {
        if (_recent.Get(version) is { } held) return held;
        // One transaction: the description, the file rows and any chunks are read from the same database state.
        var (info, rows, fromChunks) = await _connector.TransactAsync($"reading snapshot {version}", async (connection, ct) =>
        {
            var (info, rows) = await DescribeAsync(connection, version, ct).ConfigureAwait(false);
            var inBlobs = rows.Count > 0 && rows.All(r => r.InBlob);
            return (info, rows, inBlobs ? null : await ReadChunkedAsync(connection, info, rows, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
        return fromChunks ?? await GetFromBlobsAsync(info, rows, cancellationToken).ConfigureAwait(false);
    }

    // The snapshot's description and file rows; a snapshot whose files the retention policy removed is gone.
    private async Task<(SnapshotInfo Info, List<SnapshotFileRow> Rows)> DescribeAsync(NpgsqlConnection connection, long version, CancellationToken ct)
    {
        var info = (await ListAsync(connection, "and version = @version", ct, ("version", version)).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new KeyNotFoundException($"snapshot {version} does not exist in run '{_run}'");
        var pruned = await Sql.ListAsync(connection, "select pruned_at from fpo_snapshots where run = @run and version = @version and pruned_at is not null",
            r => r.GetFieldValue<DateTimeOffset>(0), ct, ("run", _run), ("version", version)).ConfigureAwait(false);
        if (pruned is [var at])
            throw new KeyNotFoundException($"snapshot {version} of run '{_run}' no longer has its files: the retention policy removed them at {at:u}");
        var rows = await Sql.ListAsync(connection,
            "select name, bytes, chunks, location, stored_bytes, stored_sha256, delta_base from fpo_snapshot_files where run = @run and version = @version order by name",
            r => new SnapshotFileRow(r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetInt64(6)),
            ct, ("run", _run), ("version", version)).ConfigureAwait(false);
        return (info, rows);
    }

    private async Task<SnapshotContent> ReadChunkedAsync(NpgsqlConnection connection, SnapshotInfo info, List<SnapshotFileRow> rows, CancellationToken ct)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var chunksOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Bytes > Array.MaxLength) throw new InvalidDataException($"snapshot {info.Version}: file '{row.Name}' has {row.Bytes} bytes, more than one array holds");
            files[row.Name] = new byte[row.Bytes];
            chunksOf[row.Name] = row.Chunks;
        }
        await ReadChunksAsync(connection, info.Version, files, chunksOf, ct).ConfigureAwait(false);
        return Verified(info, files);
    }

    // The snapshot as read, once its content hashes to what was published.
    private SnapshotContent Verified(SnapshotInfo info, SortedDictionary<string, byte[]> files)
    {
        var sha = SnapshotContent.ComputeSha256(files);
        if (sha != info.Sha256)
            throw new InvalidDataException($"snapshot {info.Version} of run '{_run}': its stored content has SHA-256 {sha}, but {info.Sha256} was published; the snapshot is damaged");
        return new SnapshotContent(info, files);
    }

    private async Task ReadChunksAsync(NpgsqlConnection connection, long version, SortedDictionary<string, byte[]> files, Dictionary<string, int> chunksOf, CancellationToken ct)
    {
        await using var command = Sql.Command(connection,
            "select name, chunk, octet_length(data), data from fpo_snapshot_chunks where run = @run and version = @version order by name, chunk",
            ("run", _run), ("version", version));
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
        var filled = new Dictionary<string, (int Chunks, long Bytes)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            var chunk = reader.GetInt32(1);
            var length = reader.GetInt32(2);
            var (count, at) = filled.GetValueOrDefault(name);
            if (!files.TryGetValue(name, out var target) || chunk != count || at + length > target.LongLength)
                throw new InvalidDataException($"snapshot {version} of run '{_run}': chunk {chunk} of file '{name}' ({length} bytes) does not fit the file list; the snapshot is damaged");
            var read = 0L;
            while (read < length) read += reader.GetBytes(3, read, target, (int)(at + read), (int)(length - read));
            filled[name] = (count + 1, at + length);
        }
        foreach (var (name, target) in files)
        {
            var (count, at) = filled.GetValueOrDefault(name);
            if (count != chunksOf[name] || at != target.LongLength)
                throw new InvalidDataException($"snapshot {version} of run '{_run}': file '{name}' has {count} of {chunksOf[name]} chunks ({at} of {target.LongLength} bytes); the snapshot is damaged");
        }
    }

    public async IAsyncEnumerable<SnapshotInfo> WatchAsync(long afterVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = Math.Max(afterVersion + 1, 0);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var signal = _notifications.Next(NotifyKey);
            var fresh = await _connector.RunAsync("watching for snapshots",
                (connection, ct) => ListAsync(connection, "and version >= @next order by version", ct, ("next", next)), cancellationToken).ConfigureAwait(false);
            foreach (var info in fresh)
            {
                yield return info;
                next = info.Version + 1;
            }
            if (fresh.Count == 0) await PostgresNotifications.WaitAsync(signal, _connector.Options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<List<SnapshotInfo>> ListAsync(NpgsqlConnection connection, string tail, CancellationToken ct, params (string, object?)[] parameters) =>
        Sql.ListAsync(connection,
            "select version, sha256, bytes, published_at, trainer_step, preference_count, metadata from fpo_snapshots where run = @run " + tail,
            r => new SnapshotInfo(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3), r.GetInt64(4), r.GetInt32(5), r.GetString(6)),
            ct, [("run", _run), .. parameters]);
}
