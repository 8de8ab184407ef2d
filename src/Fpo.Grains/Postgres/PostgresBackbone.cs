using Fpo.Grains.Backbone;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// The distributed <see cref="IBackbone"/>: every silo of a run opens one against the same database and run id, and
/// they share streams, snapshots, lineage, feature statistics, the journal and the singleton roles through it.
/// Opening creates or migrates the schema and registers the run.
/// <para>
/// Failures: every operation retries transient failures (the server restarting or unreachable, a broken connection, a
/// deadlock) until it succeeds or is cancelled (or <see cref="PostgresBackboneOptions.MaxRetries"/> runs out), logging
/// an outage once; a caller does not see the database restart. What still escapes: <see cref="OperationCanceledException"/>
/// on cancellation, <see cref="SnapshotConflictException"/> (lost compare-and-set, or a preference already in a
/// snapshot), <see cref="InvalidDataException"/> (a damaged snapshot or an undecodable record), <see cref="KeyNotFoundException"/>
/// (an unknown snapshot version), argument errors, and <see cref="NpgsqlException"/> for what retrying cannot fix
/// (wrong password, missing database, permissions) or once the retry limit is reached.
/// </para>
/// </summary>
public sealed class PostgresBackbone : IBackbone
{
    private readonly PostgresConnector _connector;
    private readonly PostgresNotifications _notifications;
    private readonly StreamRegistry _streams = new();

    private PostgresBackbone(PostgresConnector connector, string runId)
    {
        _connector = connector;
        RunId = runId;
        _notifications = new PostgresNotifications(connector);
        Snapshots = new PostgresSnapshotStore(connector, _notifications, runId);
        Lineage = new PostgresLineageLog(connector, runId);
        FeatureStats = new PostgresFeatureStatsStore(connector, runId);
        Journal = new PostgresRunJournal(connector, runId);
    }

    /// <summary>
    /// Connects (retrying while the database is unreachable, as every operation does), migrates the schema and
    /// registers <see cref="PostgresBackboneOptions.RunId"/>.
    /// </summary>
    public static async Task<PostgresBackbone> OpenAsync(PostgresBackboneOptions options, CancellationToken cancellationToken)
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
            return new PostgresBackbone(connector, options.RunId);
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
    public ISnapshotStore Snapshots { get; }
    public ILineageLog Lineage { get; }
    public IFeatureStatsStore FeatureStats { get; }
    public IRunJournal Journal { get; }

    /// <summary>The stream <paramref name="name"/> of this run (same rules as the embedded backbone's names); settings apply from the first call in this process.</summary>
    public IStream<T> Stream<T>(string name, IRecordCodec<T> codec, StreamSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(codec);
        return _streams.GetOrAdd(name, () => new PostgresStream<T>(_connector, _notifications, RunId, name, codec, settings ?? new StreamSettings()));
    }

    /// <summary>Acknowledges <paramref name="consumed"/> and publishes <paramref name="produced"/> in one transaction when both streams are this backbone's.</summary>
    public async Task<IReadOnlyList<string>> ForwardAsync<TIn, TOut>(
        IStream<TIn> from, IReadOnlyList<Leased<TIn>> consumed,
        IStream<TOut> to, IReadOnlyList<StreamItem<TOut>> produced,
        CancellationToken cancellationToken)
    {
        if (from is not PostgresStream<TIn> source || to is not PostgresStream<TOut> target || !_streams.Contains(source) || !_streams.Contains(target))
        {
            await to.PublishAsync(produced, cancellationToken).ConfigureAwait(false);
            return await from.AcknowledgeAsync(consumed, cancellationToken).ConfigureAwait(false);
        }
        var (outIds, outValues) = target.Encode(produced);
        var (inIds, tokens) = PostgresStream<TIn>.Tokens(consumed);
        return await _connector.TransactAsync($"forwarding from '{from.Name}' to '{to.Name}'", async (connection, ct) =>
        {
            var acknowledged = await source.AcknowledgeAsync(connection, inIds, tokens, ct).ConfigureAwait(false);
            if (outIds.Length > 0) await target.InsertAsync(connection, outIds, outValues, ct).ConfigureAwait(false);
            return acknowledged;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims <paramref name="role"/> with a session advisory lock keyed by run and role, on a connection of its own:
    /// null at once when another session (in any process) holds it.
    /// </summary>
    public Task<ILeadership?> TryLeadAsync(string role, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        return PostgresLeadership.TryClaimAsync(_connector, RunId, role, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _notifications.DisposeAsync().ConfigureAwait(false);
        await _connector.DisposeAsync().ConfigureAwait(false);
    }
}
