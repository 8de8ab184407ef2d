namespace Fpo.Grains.Stores;

/// <summary>
/// An append-only log of small JSON records per run, by kind (trainer steps, snapshot evaluations, …), so any process of
/// a run — the API silo, a dashboard, <c>fpo lineage verify</c> — can read what the trainer and evaluator reported
/// without sharing their folders. Appending is idempotent by (kind, id): a retried append after a lost reply changes
/// nothing. Sequence numbers rise in append order within a run. Thread-safe.
/// </summary>
public interface IRunJournal
{
    /// <summary>Appends <paramref name="json"/> (one JSON value) as (<paramref name="kind"/>, <paramref name="id"/>); false if that pair was appended before.</summary>
    Task<bool> AppendAsync(string kind, string id, string json, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> entries of <paramref name="kind"/> with sequence greater than <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string kind, long afterSequence, int max, CancellationToken cancellationToken);
}
