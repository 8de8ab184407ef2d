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
        [.. (await journal.ReadAsync(JournalKind, 0, int.MaxValue, cancellationToken).ConfigureAwait(false)).Select(Parse)];

    internal static RolloutServing Parse(JournalEntry entry) => JsonSerializer.Deserialize<RolloutServing>(entry.Json, JournalKinds.Json)
        ?? throw new InvalidDataException($"journal entry {entry.Sequence} ({JournalKind} '{entry.Id}') is empty");
}

/// <summary>
/// The versions a run's rollout grains serve now: each grain's newest serving record. Grains are keyed by their id
/// alone, so a partition that moved to another silo replaces the record of the silo it left. Each call reads only the
/// records appended since the last; one owner (the trainer grain) calls it, one call at a time.
/// </summary>
internal sealed class ServedVersions(IRunJournal journal)
{
    private readonly Dictionary<string, long> _byGrain = new(StringComparer.Ordinal);
    private long _read;

    public async Task<IReadOnlyCollection<long>> NowAsync(CancellationToken cancellationToken)
    {
        _read = await journal.ReadAfterAsync(RolloutServing.JournalKind, _read, entries =>
        {
            foreach (var serving in entries.Select(RolloutServing.Parse))
                _byGrain[serving.Grain] = Math.Max(serving.Version, _byGrain.GetValueOrDefault(serving.Grain, -1));
        }, cancellationToken).ConfigureAwait(false);
        return _byGrain.Values.ToHashSet();
    }
}
