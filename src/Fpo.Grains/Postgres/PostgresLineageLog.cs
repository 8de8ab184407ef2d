using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// An <see cref="ILineageLog"/> over fpo_lineage (written by the snapshot publish) and fpo_dropped. Verification runs
/// in SQL over the run's snapshots, lineage, dropped list and the records of every stream a snapshot consumed from
/// (and <see cref="StreamNames.Preferences"/>), so it scales with the database, not with this process's memory.
/// </summary>
internal sealed class PostgresLineageLog(PostgresConnector connector, string run) : ILineageLog
{
    /// <summary>Violation lines beyond this many per kind are summarized, so a badly broken run still gives a readable report.</summary>
    private const int MaxLinesPerKind = 1000;

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

    public Task<LineageReport> VerifyAsync(CancellationToken cancellationToken) =>
        _connector.TransactAsync("verifying the lineage", async (connection, ct) =>
        {
            // One snapshot of the database for every query, so counts and violations describe the same state.
            await Sql.ExecuteAsync(connection, "set transaction isolation level repeatable read, read only", ct).ConfigureAwait(false);
            var streams = await Sql.ListAsync(connection,
                "select distinct consumed_stream from fpo_snapshots where run = @run and consumed_stream is not null", r => r.GetString(0), ct, ("run", _run)).ConfigureAwait(false);
            string[] consumed = [.. streams.Append(StreamNames.Preferences).Distinct(StringComparer.Ordinal)];
            var (snapshots, latest, inSnapshots, dropped) = (await Sql.ListAsync(connection, """
                select (select count(*) from fpo_snapshots where run = @run),
                       (select coalesce(max(version), -1) from fpo_snapshots where run = @run),
                       (select count(*) from fpo_lineage where run = @run),
                       (select count(*) from fpo_dropped where run = @run)
                """, r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), ct, ("run", _run)).ConfigureAwait(false))[0];
            var (preferences, acknowledged, pending, leased, dead) = (await Sql.ListAsync(connection, """
                select count(*), count(*) filter (where state = 2), count(*) filter (where state = 0 or (state = 1 and deadline <= now())),
                       count(*) filter (where state = 1 and deadline > now()), count(*) filter (where state = 3)
                from fpo_stream_records where run = @run and stream = any(@streams)
                """, r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)), ct, ("run", _run), ("streams", consumed)).ConfigureAwait(false))[0];
            var violations = new List<string>();
            await AddAsync(connection, violations, """
                select case when previous is null then 'snapshot versions start at ' || version || ', not 0'
                            else 'snapshot versions have a gap: ' || previous || ' is followed by ' || version end
                from (select version, lag(version) over (order by version) as previous from fpo_snapshots where run = @run) v
                where (previous is null and version <> 0) or version <> previous + 1
                order by version
                """, consumed, ct).ConfigureAwait(false);
            await AddAsync(connection, violations, """
                select 'preference ''' || d.preference_id || ''' is in snapshot ' || l.version || ' and also recorded as dropped'
                from fpo_dropped d join fpo_lineage l on l.run = d.run and l.preference_id = d.preference_id
                where d.run = @run order by d.preference_id
                """, consumed, ct).ConfigureAwait(false);
            await AddAsync(connection, violations, """
                select 'preference ''' || r.id || ''' in stream ''' || r.stream || ''' is acknowledged but in no snapshot and not dropped: it was lost'
                from fpo_stream_records r
                where r.run = @run and r.stream = any(@streams) and r.state = 2
                  and not exists (select 1 from fpo_lineage l where l.run = r.run and l.preference_id = r.id)
                  and not exists (select 1 from fpo_dropped d where d.run = r.run and d.preference_id = r.id)
                order by r.stream, r.id
                """, consumed, ct).ConfigureAwait(false);
            await AddAsync(connection, violations, """
                select 'preference ''' || r.id || ''' in stream ''' || r.stream || ''' is in snapshot ' || l.version || ' but still '
                       || case when r.state = 3 then 'dead' when r.state = 1 and r.deadline > now() then 'leased' else 'pending' end
                       || ': it can be trained again'
                from fpo_stream_records r join fpo_lineage l on l.run = r.run and l.preference_id = r.id
                where r.run = @run and r.stream = any(@streams) and r.state <> 2
                order by r.stream, r.id
                """, consumed, ct).ConfigureAwait(false);
            return new LineageReport(snapshots, latest, preferences, acknowledged, inSnapshots, dropped, pending, leased, dead, violations);
        }, cancellationToken);

    private async Task AddAsync(NpgsqlConnection connection, List<string> violations, string query, string[] streams, CancellationToken ct)
    {
        var lines = await Sql.ListAsync(connection, $"select * from ({query}) q limit {MaxLinesPerKind + 1}", r => r.GetString(0), ct, ("run", _run), ("streams", streams)).ConfigureAwait(false);
        violations.AddRange(lines.Take(MaxLinesPerKind));
        if (lines.Count > MaxLinesPerKind) violations.Add($"… and more violations like the last one (only the first {MaxLinesPerKind} of this kind are listed)");
    }
}
