using Fpo.Grains.Stores;

namespace Fpo.Grains.Postgres;

/// <summary>
/// An <see cref="ILineageLog"/> over fpo_lineage (written by the snapshot publish, in its transaction) and fpo_dropped.
/// </summary>
internal sealed class PostgresLineageLog(PostgresConnector connector, string run) : ILineageLog
{
    private readonly PostgresConnector _connector = connector;
    private readonly string _run = run;

    public async Task<long?> SnapshotOfAsync(string preferenceId, CancellationToken cancellationToken) =>
        (await _connector.RunAsync("reading the lineage", (connection, ct) => Sql.ListAsync(connection,
            "select version from fpo_lineage where run = @run and preference_id = @id", r => (long?)r.GetInt64(0), ct, ("run", _run), ("id", preferenceId)),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<string>> PreferencesInAsync(long version, CancellationToken cancellationToken) =>
        await _connector.RunAsync("reading the lineage", (connection, ct) => Sql.ListAsync(connection,
            "select preference_id from fpo_lineage where run = @run and version = @version order by preference_id", r => r.GetString(0), ct,
            ("run", _run), ("version", version)), cancellationToken).ConfigureAwait(false);

    public async Task RecordDroppedAsync(string preferenceId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(preferenceId);
        ArgumentNullException.ThrowIfNull(reason);
        await _connector.RunAsync("recording a dropped preference", (connection, ct) => Sql.ExecuteAsync(connection,
            "insert into fpo_dropped (run, preference_id, reason) values (@run, @id, @reason) on conflict do nothing", ct,
            ("run", _run), ("id", preferenceId), ("reason", reason)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DroppedPreference>> DroppedAsync(CancellationToken cancellationToken) =>
        await _connector.RunAsync("reading dropped preferences", (connection, ct) => Sql.ListAsync(connection,
            "select preference_id, reason, at from fpo_dropped where run = @run order by seq", r => new DroppedPreference(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)),
            ct, ("run", _run)), cancellationToken).ConfigureAwait(false);
}
