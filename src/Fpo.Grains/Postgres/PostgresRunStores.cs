using Fpo.Grains.Stores;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// The run stores of a cluster: every silo of a run opens them against the same database and run id, and they share
/// snapshots, lineage, feature statistics and the journal through them (Orleans keeps its own tables in the same
/// database: <see cref="Orleans.Postgres"/>). Opening creates or migrates the schema and registers the run.
/// <para>
/// Failures: every operation retries transient failures (the server restarting or unreachable, a broken connection, a
/// deadlock) until it succeeds or is cancelled (or <see cref="PostgresStoreOptions.MaxRetries"/> runs out), logging
/// an outage once; a caller does not see the database restart. What still escapes: <see cref="OperationCanceledException"/>
/// on cancellation, <see cref="SnapshotConflictException"/> (lost compare-and-set, or a preference already in a
/// snapshot), <see cref="InvalidDataException"/> (a damaged snapshot or an undecodable record), <see cref="KeyNotFoundException"/>
/// (an unknown snapshot version), argument errors, and <see cref="NpgsqlException"/> for what retrying cannot fix
/// (wrong password, missing database, permissions) or once the retry limit is reached.
/// </para>
/// </summary>
public sealed class PostgresRunStores : IRunStores
{
    private readonly PostgresConnector _connector;
    private readonly PostgresNotifications _notifications;

    private PostgresRunStores(PostgresConnector connector, string runId)
    {
        _connector = connector;
        RunId = runId;
        _notifications = new PostgresNotifications(connector);
        Snapshots = new PostgresSnapshotStore(connector, _notifications, runId,
            connector.Options.Blobs is { } blobs ? new Blob.BlobSnapshotFiles(blobs, runId) : null);
        Lineage = new PostgresLineageLog(connector, runId);
        FeatureStats = new PostgresFeatureStatsStore(connector, runId);
        Journal = new PostgresRunJournal(connector, runId);
    }

    /// <summary>
    /// Connects (retrying while the database is unreachable, as every operation does), migrates the schema and
    /// registers <see cref="PostgresStoreOptions.RunId"/>.
    /// </summary>
    public static async Task<PostgresRunStores> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var connector = new PostgresConnector(options);
        try
        {
            var applied = await connector.RunAsync("migrating the schema", PostgresSchema.MigrateAsync, cancellationToken).ConfigureAwait(false);
            if (applied.Count > 0) connector.Log($"postgres: applied schema migration(s) {string.Join(", ", applied)}");
            await connector.RunAsync($"registering run '{options.RunId}'", (connection, ct) => Sql.ExecuteAsync(connection,
                "insert into fpo_runs (run) values (@run) on conflict do nothing", ct, ("run", options.RunId)), cancellationToken).ConfigureAwait(false);
            return new PostgresRunStores(connector, options.RunId);
        }
        catch
        {
            await connector.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The runs in the database at <paramref name="connectionString"/>, by id; none when it has no fpo schema yet.</summary>
    public static async Task<IReadOnlyList<string>> RunsAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var hasSchema = await Sql.ScalarAsync<bool>(connection, "select to_regclass('fpo_runs') is not null", cancellationToken).ConfigureAwait(false);
        if (!hasSchema) return [];
        return await Sql.ListAsync(connection, "select run from fpo_runs order by run", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
    }

    public string RunId { get; }

    /// <summary>The bytes snapshot <paramref name="version"/> occupies in its store: each file's, or its delta's when it is stored as one.</summary>
    public Task<long> StoredBytesAsync(long version, CancellationToken cancellationToken) =>
        _connector.RunAsync($"measuring snapshot {version}", (connection, ct) => Sql.ScalarAsync<long>(connection,
            "select coalesce(sum(coalesce(stored_bytes, bytes)), 0) from fpo_snapshot_files where run = @run and version = @version",
            ct, ("run", RunId), ("version", version)), cancellationToken);

    public ISnapshotStore Snapshots { get; }
    public ILineageLog Lineage { get; }
    public IFeatureStatsStore FeatureStats { get; }
    public IRunJournal Journal { get; }

    public async ValueTask DisposeAsync()
    {
        await _notifications.DisposeAsync().ConfigureAwait(false);
        await _connector.DisposeAsync().ConfigureAwait(false);
    }
}
