using Fpo.Silo.Bench.Cluster;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Cluster;

/// <summary>
/// `fpo bench cluster` end to end in a short version: real `fpo silo` processes on a throwaway PostgreSQL, a 20-second
/// throughput window with 1 rollout silo, 2 publishes of the tiny shape in each way snapshots travel (PostgreSQL, blob fp32, bf16, bf16 deltas on an Azurite), and the failover of a killed rollout and
/// trainer silo. It checks that every part measured something, that the figures are the ones a working cluster gives,
/// and that each silo's output is kept where --logs says.
/// </summary>
public sealed class ClusterBenchmarkTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("fpo-bench-cluster-data-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task A_short_run_measures_throughput_publish_latency_and_failover()
    {
        var lines = new List<string>();
        var options = new ClusterBenchOptions
        {
            ConfigDir = Path.Combine(RepoPaths.Root, "silo-config"),
            DataDir = _data,
            Window = TimeSpan.FromSeconds(20),
            RolloutSilos = [1],
            Shapes = [LatencyShapes.Tiny],
            Publishes = 2,
            LogsDir = Directory.CreateDirectory(Path.Combine(_data, "logs")).FullName,
        };
        var result = await ClusterBenchmark.RunAsync(options, lines.Add, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(ClusterBenchReport.Json(result));

        var throughput = Assert.Single(result.Throughput);
        Assert.True(throughput.PairsJudged > 0, "no pair was judged in the window");
        Assert.True(throughput.Snapshots > 0, "no snapshot was published in the window");
        Assert.Equal(["judge", "reference", "rollout", "trainer"], throughput.Cpu.Select(c => c.Role).Order());
        Assert.All(throughput.Cpu, c => Assert.InRange(c.MachineShare, 0.001, 1));
        Assert.Equal(1, throughput.SilosWithRolloutGrains);
        Assert.NotEmpty(throughput.ServingLagSeconds);
        Assert.All(throughput.ServingLagSeconds, s => Assert.InRange(s, 0, 60));

        Assert.Equal(SyncVariant.All.Select(v => v.Name), result.Latency.Select(l => l.Sync));
        foreach (var latency in result.Latency)
        {
            Assert.Equal(2, latency.LatencySeconds.Count);
            // The tiny snapshot is well under a megabyte: announcing and loading it takes milliseconds, not seconds.
            Assert.All(latency.LatencySeconds, s => Assert.InRange(s, 0, 10));
            Assert.All(latency.FileCopySeconds, s => Assert.InRange(s, 0, 10));
        }
        // bf16 halves the snapshot, and its deltas are smaller still; fp32 in blobs stores what PostgreSQL stores.
        var stored = result.Latency.ToDictionary(l => l.Sync, l => l.MedianStoredMegabytes);
        Assert.Equal(stored["postgres-f32"], stored["blob-f32"], 3);
        Assert.InRange(stored["blob-bf16"] / stored["blob-f32"], 0.45, 0.55);
        Assert.True(stored["blob-bf16-delta"] < 0.75 * stored["blob-bf16"], $"deltas stored {stored["blob-bf16-delta"]} MB against {stored["blob-bf16"]} MB full");

        Assert.Equal(["rollout", "trainer"], result.Failovers.Select(f => f.Role));
        foreach (var f in result.Failovers)
        {
            Assert.InRange(f.ReactivatedSeconds, 0, 120);
            Assert.InRange(f.NextSnapshotSeconds, 0, 120);
        }
        Assert.Equal("1 s", result.Membership["ProbeTimeout"]);
        Assert.Contains(lines, l => l.StartsWith("failover: SIGKILL", StringComparison.Ordinal));
        // --logs keeps each silo's output, named by part and silo.
        var trainerLog = Path.Combine(options.LogsDir, "throughput-1-trainer.log");
        Assert.True(File.Exists(trainerLog), $"no {trainerLog}; kept: {string.Join(", ", Directory.GetFiles(options.LogsDir).Select(Path.GetFileName))}");
        Assert.Contains(File.ReadLines(trainerLog), l => l.Contains("status | run bench-throughput-1-", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(options.LogsDir, "failover-trainer-1.log")));
    }
}
