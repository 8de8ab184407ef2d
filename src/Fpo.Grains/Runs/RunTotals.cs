using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Runs;

/// <summary>
/// The run's totals since it began, summed from the journal's batch tallies: every rollout and judge batch appends one,
/// idempotent by the batch id, so a redelivered batch counts once and the totals survive restarts (Prometheus counters
/// must never fall). Each refresh reads only entries appended since the previous one; concurrent refreshes apply an
/// entry once.
/// </summary>
public sealed class RunTotals(IRunJournal journal)
{
    private readonly Lock _lock = new();
    private long _rolloutSeen, _judgedSeen;

    public long Pairs { get; private set; }
    public long Labels { get; private set; }
    public long Abstentions { get; private set; }
    public long FailedPrompts { get; private set; }
    public long FailedPairs { get; private set; }

    public async Task<RunTotals> RefreshAsync(CancellationToken cancellationToken)
    {
        long rolloutFrom, judgedFrom;
        lock (_lock) (rolloutFrom, judgedFrom) = (_rolloutSeen, _judgedSeen);
        var rollouts = await journal.ReadAsync(JournalKinds.RolloutBatch, rolloutFrom, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var judged = await journal.ReadAsync(JournalKinds.JudgedBatch, judgedFrom, int.MaxValue, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var e in rollouts.Where(e => e.Sequence > _rolloutSeen))
            {
                var t = Tally(e);
                Pairs += t.Pairs;
                FailedPrompts += t.Failed;
                _rolloutSeen = e.Sequence;
            }
            foreach (var e in judged.Where(e => e.Sequence > _judgedSeen))
            {
                var t = Tally(e);
                Labels += t.Labels;
                Abstentions += t.Abstained;
                FailedPairs += t.Failed;
                _judgedSeen = e.Sequence;
            }
        }
        return this;
    }

    private static BatchTally Tally(JournalEntry entry) => JsonSerializer.Deserialize<BatchTally>(entry.Json, JournalKinds.Json)
        ?? throw new InvalidDataException($"journal entry {entry.Kind}/{entry.Id} holds no batch tally");
}
