namespace Fpo.Silo.Bench.Cluster;

/// <summary>CPU time one role's processes used in a window, and its share of the machine (CPU seconds / (cores × window)).</summary>
public sealed record RoleCpu(string Role, int Processes, double CpuSeconds, double MachineShare);

/// <summary>A cluster of 1 trainer, <paramref name="RolloutSilos"/> rollout, 1 reference and 1 judge silo on the tiny task, measured over a window.</summary>
public sealed record ClusterThroughput(int RolloutSilos, double WindowSeconds, long PairsJudged, long Snapshots, IReadOnlyList<RoleCpu> Cpu)
{
    public double PairsJudgedPerMinute => PairsJudged / (WindowSeconds / 60);
    public double SnapshotsPerHour => Snapshots / (WindowSeconds / 3600);
}

/// <summary>
/// Publishing snapshots of a model shape to <paramref name="RolloutSilos"/> idle rollout silos: per snapshot, how long
/// the publish took (upload and commit) and the time from its commit until the last rollout silo served it (download,
/// SHA-256 check, load).
/// </summary>
public sealed record PublishLatency(string Shape, long Parameters, double SnapshotMegabytes, int RolloutSilos, IReadOnlyList<double> PublishSeconds,
    IReadOnlyList<double> LatencySeconds)
{
    public double MedianPublishSeconds => Median(PublishSeconds);
    public double MedianLatencySeconds => Median(LatencySeconds);

    private static double Median(IReadOnlyList<double> xs)
    {
        var sorted = xs.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>Everything `fpo bench cluster` measured on this machine.</summary>
public sealed record ClusterBenchResult(int Cores, IReadOnlyList<ClusterThroughput> Throughput, IReadOnlyList<PublishLatency> Latency);
