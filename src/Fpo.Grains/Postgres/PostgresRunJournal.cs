using Fpo.Grains.Stores;

namespace Fpo.Grains.Postgres;

/// <summary>
/// An <see cref="IRunJournal"/> in fpo_journal. Appends of a run take a transaction-scoped advisory lock, so sequence
/// numbers commit in the order they were drawn and a reader that continues after the last sequence it saw misses none.
/// </summary>
internal sealed class PostgresRunJournal(PostgresConnector connector, string run) : IRunJournal
{
    private readonly PostgresConnector _connector = connector;
    private readonly string _run = run;

    public Task<bool> AppendAsync(string kind, string id, string json, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(json);
        return _connector.TransactAsync($"appending {kind} {id} to the journal", async (connection, ct) =>
        {
            await Sql.ExecuteAsync(connection, "select pg_advisory_xact_lock(@key)", ct, ("key", Sql.LockKey(_run, "journal"))).ConfigureAwait(false);
            return await Sql.ExecuteAsync(connection, "insert into fpo_journal (run, kind, id, json) values (@run, @kind, @id, @json) on conflict do nothing",
                ct, ("run", _run), ("kind", kind), ("id", id), ("json", json)).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string kind, long afterSequence, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return await _connector.RunAsync($"reading {kind} from the journal", (connection, ct) => Sql.ListAsync(connection,
            "select seq, kind, id, json, at from fpo_journal where run = @run and kind = @kind and seq > @after order by seq limit @max",
            r => new JournalEntry(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)),
            ct, ("run", _run), ("kind", kind), ("after", afterSequence), ("max", max)), cancellationToken).ConfigureAwait(false);
    }
}
