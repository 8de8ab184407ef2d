namespace Fpo.Silo.Bench.Cluster;

/// <summary>CPU time one role's processes used in a window, and its share of the machine (CPU seconds / (cores × window)).</summary>
public sealed record RoleCpu(string Role, int Processes, double CpuSeconds, double MachineShare);

/// <summary>
/// A cluster of 1 trainer, <paramref name="RolloutSilos"/> rollout, 1 reference and 1 judge silo on the tiny task with
/// as many rollout partitions as rollout silos, measured over a window: what it judged and published, each role's CPU,
/// how many rollout silos Orleans placed the rollout grains on, and per snapshot the trainer published in the window the
/// seconds from its commit until every rollout grain served it or a newer one (<paramref name="ServingLagSeconds"/>).
/// </summary>
public sealed record ClusterThroughput(int RolloutSilos, double WindowSeconds, long PairsJudged, long Snapshots, IReadOnlyList<RoleCpu> Cpu,
    int SilosWithRolloutGrains, IReadOnlyList<double> ServingLagSeconds)
{
    public double PairsJudgedPerMinute => PairsJudged / (WindowSeconds / 60);
    public double SnapshotsPerHour => Snapshots / (WindowSeconds / 3600);
    public double MedianServingLagSeconds => Stats.Median(ServingLagSeconds);
    public double MaxServingLagSeconds => ServingLagSeconds.Count == 0 ? double.NaN : ServingLagSeconds.Max();
}

/// <summary>
/// Publishing snapshots of a model shape to the rollout grains of <paramref name="RolloutSilos"/> idle rollout silos,
/// as a trainer does (serialize in the variant's dtype, write to the store, announce on the broadcast channel), the
/// way <paramref name="Sync"/> says: per snapshot, how long the trainer's part took (serialize, delta encode, upload
/// and commit), the publish-to-serving time from the trainer's first step until the last rollout grain journaled that it
/// serves it (all of the above, then announce, download, decode, SHA-256 check, load), and the megabytes it occupies in
/// the store. <paramref name="ReadSeconds"/>: one cold read of the last snapshot by the benchmark itself.
/// <paramref name="FileCopySeconds"/>: the floor: writing the same number of bytes to a local file and reading them back
/// once per rollout silo, with no store, network or emulator in between.
/// </summary>
public sealed record PublishLatency(string Shape, string Sync, long Parameters, double SnapshotMegabytes, int RolloutSilos, int RolloutGrains, IReadOnlyList<double> PublishSeconds,
    IReadOnlyList<double> LatencySeconds, double ReadSeconds, IReadOnlyList<double> StoredMegabytes, IReadOnlyList<double> FileCopySeconds)
{
    public double MedianPublishSeconds => Stats.Median(PublishSeconds);
    public double MedianLatencySeconds => Stats.Median(LatencySeconds);
    public double MedianStoredMegabytes => Stats.Median(StoredMegabytes);
    /// <summary>What one publish moves: its stored bytes written once and read by every rollout silo.</summary>
    public double MedianMovedMegabytes => MedianStoredMegabytes * (1 + RolloutSilos);
    public double MedianFileCopySeconds => Stats.Median(FileCopySeconds);
}

/// <summary>
/// A SIGKILLed silo of role <paramref name="Role"/> that hosted the run's <paramref name="Role"/> grain: seconds from the
/// kill until the grain worked again on another silo (a rollout grain's serving record, a trainer step) and until the
/// run's next snapshot.
/// </summary>
public sealed record Failover(string Role, string Killed, double ReactivatedSeconds, double NextSnapshotSeconds);

/// <summary>Everything `fpo bench cluster` measured on this machine, and the membership options its silos ran with.</summary>
public sealed record ClusterBenchResult(int Cores, IReadOnlyList<ClusterThroughput> Throughput, IReadOnlyList<PublishLatency> Latency,
    IReadOnlyList<Failover> Failovers, IReadOnlyDictionary<string, string> Membership);

internal static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        var sorted = xs.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
