namespace Fpo.Grains.Cluster;

/// <summary>
/// A rollout grain of silo <paramref name="Silo"/> serving snapshot <paramref name="Version"/> from <paramref name="At"/>
/// on: the run journal's <see cref="JournalKind"/> record (id silo/grain/version), written as each grain loads a newer
/// snapshot, so a reader in any process (the cluster benchmark's publish latency) sees when the last replica moved.
/// </summary>
public sealed record RolloutServing(string Silo, string Grain, long Version, DateTimeOffset At)
{
    public const string JournalKind = "rollout-serving";
}
