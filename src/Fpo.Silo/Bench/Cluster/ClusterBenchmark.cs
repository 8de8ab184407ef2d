using System.Diagnostics;
using System.Globalization;
using Fpo.Grains.Blob;
using Fpo.Grains.Cluster;
using Fpo.Grains.Orleans.Postgres;
using Fpo.Grains.Postgres;
using Fpo.Grains.Runs;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// `fpo bench cluster`: a throwaway PostgreSQL on 127.0.0.1 and real `fpo silo` processes (Orleans silos, one compute
/// thread each) on this machine. Throughput: per rollout-silo count N, a cluster of 1 trainer (+ prompt source), N
/// rollout, 1 reference and 1 judge silo runs the tiny task with N rollout partitions; after its first trained snapshot,
/// pairs judged (labels and abstentions, from the run journal's tallies), snapshots published, each process's CPU time
/// from /proc and how long each snapshot took to reach every rollout grain are taken over the window. Publish latency:
/// <see cref="PublishLatencyBenchmark"/>. Failover: <see cref="FailoverBenchmark"/>.
/// </summary>
public static class ClusterBenchmark
{
    public static async Task<ClusterBenchResult> RunAsync(ClusterBenchOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var work = Directory.CreateTempSubdirectory("fpo-bench-cluster-").FullName;
        try
        {
            progress("starting PostgreSQL on 127.0.0.1");
            await using var postgres = await LocalPostgresServer.CreateAsync(cancellationToken).ConfigureAwait(false);
            var throughput = new List<ClusterThroughput>();
            foreach (var n in options.RolloutSilos)
                throughput.Add(await ThroughputAsync(postgres.ConnectionString, options, n, work, progress, cancellationToken).ConfigureAwait(false));
            var latency = new List<PublishLatency>();
            if (options.Shapes.Count > 0)
            {
                await using var azurite = options.Sync.Any(v => v.Blob) ? await StartAzuriteAsync(progress, cancellationToken).ConfigureAwait(false) : null;
                foreach (var shape in options.Shapes)
                    foreach (var sync in options.Sync)
                        latency.Add(await PublishLatencyBenchmark.RunAsync(postgres.ConnectionString, azurite?.ConnectionString, options, shape, sync, work, progress, cancellationToken)
                            .ConfigureAwait(false));
            }
            var failovers = options.Failover
                ? await FailoverBenchmark.RunAsync(postgres.ConnectionString, options, work, progress, cancellationToken).ConfigureAwait(false)
                : [];
            return new ClusterBenchResult(Environment.ProcessorCount, throughput, latency, failovers, Membership(new PostgresMembershipOptions()));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<LocalAzuriteServer> StartAzuriteAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        progress("starting Azurite (the blob store of the blob variants) on 127.0.0.1");
        try
        {
            return await LocalAzuriteServer.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{e.Message}; or measure PostgreSQL alone with --sync postgres-f32", e);
        }
    }

    /// <summary>The membership options every silo of the benchmark runs with (the PostgreSQL clustering's defaults).</summary>
    public static IReadOnlyDictionary<string, string> Membership(PostgresMembershipOptions m) => new Dictionary<string, string>
    {
        ["ProbeTimeout"] = Seconds(m.ProbeTimeout),
        ["NumMissedProbesLimit"] = m.NumMissedProbesLimit.ToString(CultureInfo.InvariantCulture),
        ["NumVotesForDeathDeclaration"] = m.NumVotesForDeathDeclaration.ToString(CultureInfo.InvariantCulture),
        ["TableRefreshTimeout"] = Seconds(m.TableRefreshTimeout),
        ["IAmAliveTablePublishTimeout"] = Seconds(m.IAmAliveTablePublishTimeout),
        ["NumMissedTableIAmAliveLimit"] = m.NumMissedTableIAmAliveLimit.ToString(CultureInfo.InvariantCulture),
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static async Task<ClusterThroughput> ThroughputAsync(string connection, ClusterBenchOptions options, int rollouts, string work,
        Action<string> progress, CancellationToken cancellationToken)
    {
        await using var cluster = await BenchCluster.OpenAsync(connection, options.ConfigDir, $"throughput-{rollouts}", work, options.LogsDir, cancellationToken).ConfigureAwait(false);
        var stage = $"{rollouts} rollout silo(s)";
        progress($"{stage}: starting 1 trainer, {rollouts} rollout, 1 reference and 1 judge silo on the tiny task");
        cluster.Start("trainer", "trainer", "task.size=tiny", $"run.data={options.DataDir}", $"rollout.grains={rollouts.ToString(CultureInfo.InvariantCulture)}");
        for (var i = 1; i <= rollouts; i++) cluster.Start("rollout", $"rollout-{i}");
        cluster.Start("reference", "reference");
        cluster.Start("judge", "judge");
        await cluster.WaitForVersionAsync(1, $"{stage}: warming up until the first trained snapshot", progress, cancellationToken).ConfigureAwait(false);

        var totals = new RunTotals(cluster.Stores.Journal);
        var judged0 = Judged(await totals.RefreshAsync(cancellationToken).ConfigureAwait(false));
        var version0 = await cluster.LatestVersionAsync(cancellationToken).ConfigureAwait(false);
        var cpu0 = cluster.Silos.Select(s => s.Process.CpuTime()).ToList();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.Window)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, Math.Max(0.1, (options.Window - clock.Elapsed).TotalSeconds))), cancellationToken).ConfigureAwait(false);
            cluster.ThrowIfExited();
            var latest = await cluster.LatestVersionAsync(cancellationToken).ConfigureAwait(false);
            progress(string.Create(CultureInfo.InvariantCulture, $"{stage}: {clock.Elapsed.TotalSeconds:F0} of {options.Window.TotalSeconds:F0} s, snapshot {latest}"));
        }
        var cpu1 = cluster.Silos.Select(s => s.Process.CpuTime()).ToList();
        var seconds = clock.Elapsed.TotalSeconds;
        var judged = Judged(await totals.RefreshAsync(cancellationToken).ConfigureAwait(false)) - judged0;
        var version1 = await cluster.LatestVersionAsync(cancellationToken).ConfigureAwait(false);
        var cpu = cluster.Silos.Select((s, i) => (s.Role, Seconds: (cpu1[i] - cpu0[i]).TotalSeconds)).GroupBy(s => s.Role)
            .Select(g => new RoleCpu(g.Key, g.Count(), g.Sum(s => s.Seconds), g.Sum(s => s.Seconds) / (Environment.ProcessorCount * seconds))).ToList();
        await cluster.StopAsync(progress).ConfigureAwait(false);
        var serving = await cluster.ServingAsync(cancellationToken).ConfigureAwait(false);
        var snapshots = (await cluster.Stores.Snapshots.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Version > version0 && s.Version <= version1);
        return new ClusterThroughput(rollouts, seconds, judged, version1 - version0, cpu, serving.Select(s => s.Silo).Distinct().Count(),
            ServingLags(snapshots.Select(s => (s.Version, s.PublishedAt)), serving));
    }

    /// <summary>
    /// Per snapshot, the seconds from its commit until every rollout grain that served anything served it or a newer
    /// one (a busy replica may skip versions that came during one batch); snapshots some grain never reached are left out.
    /// </summary>
    internal static IReadOnlyList<double> ServingLags(IEnumerable<(long Version, DateTimeOffset PublishedAt)> snapshots, IReadOnlyList<RolloutServing> serving)
    {
        var grains = serving.GroupBy(s => s.Grain).ToList();
        var lags = new List<double>();
        foreach (var (version, publishedAt) in snapshots)
        {
            var reached = grains.Select(g => g.Where(s => s.Version >= version).Select(s => (DateTimeOffset?)s.At).Min()).ToList();
            if (reached.All(r => r is not null)) lags.Add((reached.Max()!.Value - publishedAt).TotalSeconds);
        }
        return lags;
    }

    // A judged pair ends as a label or an abstention.
    private static long Judged(RunTotals totals) => totals.Labels + totals.Abstentions;
}
