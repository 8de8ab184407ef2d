using System.Text.Json;
using Fpo.Grains.Contracts;
using Fpo.Grains.Stores;

namespace Fpo.Grains.Cluster;

/// <summary>
/// A rollout grain of silo <paramref name="Silo"/> serving snapshot <paramref name="Version"/> from <paramref name="At"/>
/// on: the run journal's <see cref="JournalKind"/> record (id silo/grain/version), written as each grain loads a newer
/// snapshot, so a reader in any process (the cluster benchmark's publish latency, the trainer's retention) sees when
/// the last replica moved.
/// </summary>
public sealed record RolloutServing(string Silo, string Grain, long Version, DateTimeOffset At)
{
    public const string JournalKind = "rollout-serving";

    /// <summary>Every rollout grain's serving records since the run began, in journal order.</summary>
    public static async Task<IReadOnlyList<RolloutServing>> ReadAllAsync(IRunJournal journal, CancellationToken cancellationToken) =>
        [.. (await journal.ReadAsync(JournalKind, 0, int.MaxValue, cancellationToken).ConfigureAwait(false))
            .Select(e => JsonSerializer.Deserialize<RolloutServing>(e.Json, JournalKinds.Json)
                ?? throw new InvalidDataException($"journal entry {e.Sequence} ({JournalKind} '{e.Id}') is empty"))];

    /// <summary>
    /// The versions rollout grains serve now: each grain's newest record. Grains are keyed by their id alone, so a
    /// partition that moved to another silo replaces the record of the silo it left.
    /// </summary>
    public static async Task<IReadOnlyCollection<long>> ServedNowAsync(IRunJournal journal, CancellationToken cancellationToken) =>
        (await ReadAllAsync(journal, cancellationToken).ConfigureAwait(false))
            .GroupBy(s => s.Grain, StringComparer.Ordinal)
            .Select(g => g.Max(s => s.Version))
            .ToHashSet();
}
