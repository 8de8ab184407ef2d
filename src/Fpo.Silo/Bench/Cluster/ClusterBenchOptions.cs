namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// What `fpo bench cluster` runs: the throughput window and the rollout-silo counts it measures, the model shapes of
/// the publish-latency part, how many snapshots it publishes per shape and the ways snapshots travel (stores, dtypes, deltas), whether the failover part runs; the role
/// configs (silo-config/) and the folder where the tiny task is prepared and cached.
/// </summary>
public sealed record ClusterBenchOptions
{
    public required string ConfigDir { get; init; }
    public required string DataDir { get; init; }
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(2);
    public IReadOnlyList<int> RolloutSilos { get; init; } = [1, 2];
    public IReadOnlyList<string> Shapes { get; init; } = [.. LatencyShapes.Names];
    public int Publishes { get; init; } = 3;
    /// <summary>How snapshots travel in the publish-latency part, each measured on every shape.</summary>
    public IReadOnlyList<SyncVariant> Sync { get; init; } = SyncVariant.All;
    public bool Failover { get; init; } = true;
    /// <summary>Where each silo's output is kept as PART-SILO.log when the benchmark ends; null keeps none.</summary>
    public string? LogsDir { get; init; }
}
