using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fpo.Alignment.Judges.Config;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;
using Fpo.Grains.Postgres;
using Fpo.Grains.Roles;
using Fpo.Grains.Runs;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// `fpo bench cluster`: a throwaway PostgreSQL on 127.0.0.1 and real `fpo silo` processes on this machine. Throughput:
/// per rollout-silo count, a cluster of 1 trainer (+ prompt source), N rollout, 1 reference and 1 judge silo runs the
/// tiny task; after its first trained snapshot, pairs judged (labels and abstentions, from the run journal's tallies) and snapshots
/// published are counted over the window, and each process's CPU time from /proc. Publish latency: this process
/// publishes snapshots of a random-init model to two idle rollout silos and times each from its commit to the last silo
/// serving it (the silos report that in the run journal). Every silo gets one compute thread.
/// </summary>
public static class ClusterBenchmark
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<ClusterBenchResult> RunAsync(ClusterBenchOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("fpo-bench-cluster-").FullName;
        try
        {
            progress("starting PostgreSQL on 127.0.0.1");
            await using var postgres = await LocalPostgresServer.CreateAsync(cancellationToken).ConfigureAwait(false);
            var throughput = new List<ClusterThroughput>();
            foreach (var n in options.RolloutSilos)
                throughput.Add(await ThroughputAsync(postgres, options, n, work, progress, cancellationToken).ConfigureAwait(false));
            var latency = new List<PublishLatency>();
            foreach (var shape in options.Shapes)
                latency.Add(await LatencyAsync(postgres, options, shape, work, progress, cancellationToken).ConfigureAwait(false));
            return new ClusterBenchResult(Environment.ProcessorCount, throughput, latency);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<ClusterThroughput> ThroughputAsync(LocalPostgresServer postgres, ClusterBenchOptions options, int rollouts, string work,
        Action<string> progress, CancellationToken cancellationToken)
    {
        var run = $"bench-throughput-{rollouts}-{Guid.NewGuid():N}"[..40];
        await using var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, RunId = run }, cancellationToken).ConfigureAwait(false);
        var silos = new List<(string Role, SiloProcess Process)>();
        try
        {
            SiloProcess Start(string role, string name, params string[] extra)
            {
                var sets = new[] { $"backbone.run={run}", $"silo.work={Path.Combine(work, run, name)}", "silo.status_seconds=30" }.Concat(extra);
                var silo = SiloProcess.Start(name, Path.Combine(options.ConfigDir, role + ".yaml"), sets, postgres.ConnectionString, work);
                silos.Add((role, silo));
                return silo;
            }
            progress($"{rollouts} rollout silo(s): starting 1 trainer, {rollouts} rollout, 1 reference and 1 judge silo on the tiny task");
            Start("trainer", "trainer", "task.size=tiny", $"run.data={options.DataDir}");
            for (var i = 0; i < rollouts; i++) Start("rollout", $"rollout-{i + 1}");
            Start("reference", "reference");
            Start("judge", "judge");
            await WaitForVersionAsync(stores, 1, silos.Select(s => s.Process), progress, $"{rollouts} rollout silo(s): warming up until the first trained snapshot", cancellationToken).ConfigureAwait(false);

            var totals = new RunTotals(stores.Journal);
            var judged0 = Judged(await totals.RefreshAsync(cancellationToken).ConfigureAwait(false));
            var version0 = (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false))!.Version;
            var cpu0 = silos.Select(s => s.Process.CpuTime()).ToList();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < options.Window)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, Math.Max(0.1, (options.Window - clock.Elapsed).TotalSeconds))), cancellationToken).ConfigureAwait(false);
                Failed(silos.Select(s => s.Process));
                var latest = (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false))!.Version;
                progress(string.Create(CultureInfo.InvariantCulture, $"{rollouts} rollout silo(s): {clock.Elapsed.TotalSeconds:F0} of {options.Window.TotalSeconds:F0} s, snapshot {latest}"));
            }
            var cpu1 = silos.Select(s => s.Process.CpuTime()).ToList();
            var seconds = clock.Elapsed.TotalSeconds;
            var judged = Judged(await totals.RefreshAsync(cancellationToken).ConfigureAwait(false)) - judged0;
            var snapshots = (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false))!.Version - version0;
            var cpu = silos.Select((s, i) => (s.Role, Seconds: (cpu1[i] - cpu0[i]).TotalSeconds)).GroupBy(s => s.Role)
                .Select(g => new RoleCpu(g.Key, g.Count(), g.Sum(s => s.Seconds), g.Sum(s => s.Seconds) / (Environment.ProcessorCount * seconds))).ToList();
            await StopAsync(silos.Select(s => s.Process), progress).ConfigureAwait(false);
            return new ClusterThroughput(rollouts, seconds, judged, snapshots, cpu);
        }
        finally
        {
            foreach (var (_, silo) in silos) silo.Dispose();
        }
    }

    private static async Task<PublishLatency> LatencyAsync(LocalPostgresServer postgres, ClusterBenchOptions options, string shape, string work,
        Action<string> progress, CancellationToken cancellationToken)
    {
        const int Rollouts = 2;
        var run = $"bench-latency-{shape}-{Guid.NewGuid():N}"[..40];
        await using var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, RunId = run }, cancellationToken).ConfigureAwait(false);
        progress($"{shape}: publishing snapshot 0 (random init) with the run's assets");
        var policy = new TransformerModel(LatencyShapes.Config(shape), seed: 1);
        var files = RunAssets.Files(Source(policy));
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, files, [], 0), cancellationToken).ConfigureAwait(false);
        var megabytes = PolicySnapshot.Files(policy)[PolicySnapshot.WeightsFile].LongLength / 1e6;
        var silos = Enumerable.Range(1, Rollouts).Select(i => SiloProcess.Start($"rollout-{i}", Path.Combine(options.ConfigDir, "rollout.yaml"),
            [$"backbone.run={run}", $"silo.work={Path.Combine(work, run, $"rollout-{i}")}", "silo.status_seconds=30", "rollout.feature_statistics=false"],
            postgres.ConnectionString, work)).ToList();
        try
        {
            var serving = new Dictionary<(string Silo, long Version), DateTimeOffset>();
            long sequence = 0;
            async Task<DateTimeOffset> ServedByAllAsync(long version, string what)
            {
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    foreach (var e in await stores.Journal.ReadAsync(RolloutServing.JournalKind, sequence, 1000, cancellationToken).ConfigureAwait(false))
                    {
                        var s = JsonSerializer.Deserialize<RolloutServing>(e.Json, JournalKinds.Json)!;
                        serving[(s.Silo, s.Version)] = s.At;
                        sequence = e.Sequence;
                    }
                    if (silos.All(p => serving.ContainsKey((p.Name, version)))) return silos.Max(p => serving[(p.Name, version)]);
                    Failed(silos);
                    if (clock.Elapsed > Patience) throw new TimeoutException($"{shape}: snapshot {version} was not served by every rollout silo within {Patience.TotalMinutes} minutes");
                    progress($"{shape}: {what} ({clock.Elapsed.TotalSeconds:F0} s)");
                    await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
                }
            }
            await ServedByAllAsync(0, $"waiting for {Rollouts} rollout silos to load snapshot 0").ConfigureAwait(false);
            var publish = new List<double>();
            var latency = new List<double>();
            for (var v = 1; v <= options.Publishes; v++)
            {
                policy.Parameters[0] += 1e-3f;
                var weights = PolicySnapshot.Files(policy);
                var started = Stopwatch.StartNew();
                await stores.Snapshots.PublishAsync(new SnapshotPublication(v, weights, [], v), cancellationToken).ConfigureAwait(false);
                var committed = DateTimeOffset.UtcNow;
                publish.Add(started.Elapsed.TotalSeconds);
                var last = await ServedByAllAsync(v, $"snapshot {v} of {options.Publishes} published, waiting for every rollout silo to serve it").ConfigureAwait(false);
                latency.Add((last - committed).TotalSeconds);
            }
            await StopAsync(silos, progress).ConfigureAwait(false);
            return new PublishLatency(shape, policy.Parameters.LongLength, megabytes, Rollouts, publish, latency);
        }
        finally
        {
            foreach (var silo in silos) silo.Dispose();
        }
    }

    // A judged pair ends as a label or an abstention.
    private static long Judged(RunTotals totals) => totals.Labels + totals.Abstentions;

    // What a latency run ships in snapshot 0: a small tokenizer (nothing is generated: no prompt source runs), no SAE, a rule judge.
    private static RunAssetSource Source(TransformerModel policy)
    {
        const string judge = "kind: constitution\nname: short\nprinciples:\n  - name: short\n    length: {min_words: 0, max_words: 8}\n";
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 200).Select(i => $"the cat {i % 13} sat on the mat. "), 300, ["<|endoftext|>"]);
        var assets = new LoopAssets(policy, tokenizer, null, null, JudgeConfig.Read(YamlSection.Parse(judge, "bench-judge.yaml", ".")),
            ["the cat"], ["the mat"]);
        return new RunAssetSource(assets, judge, PromptsStartWithEndOfText: false);
    }

    private static async Task WaitForVersionAsync(IRunStores stores, long version, IEnumerable<SiloProcess> silos, Action<string> progress, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while ((await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false))?.Version is not { } v || v < version)
        {
            Failed(silos);
            if (clock.Elapsed > Patience) throw new TimeoutException($"{what}: no snapshot {version} within {Patience.TotalMinutes} minutes");
            progress($"{what} ({clock.Elapsed.TotalSeconds:F0} s)");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    // A silo that ended during a measurement makes its numbers meaningless: stop with its last lines.
    private static void Failed(IEnumerable<SiloProcess> silos)
    {
        foreach (var s in silos)
            if (s.HasExited) throw new InvalidOperationException($"silo {s.Name} exited ({s.ExitCode}) during the benchmark; its last lines:\n{string.Join("\n", s.Lines.TakeLast(15))}");
    }

    private static async Task StopAsync(IEnumerable<SiloProcess> silos, Action<string> progress)
    {
        progress("stopping the silos (SIGTERM)");
        var list = silos.ToList();
        foreach (var s in list) s.Terminate();
        foreach (var s in list) await s.WaitForExitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
    }
}
