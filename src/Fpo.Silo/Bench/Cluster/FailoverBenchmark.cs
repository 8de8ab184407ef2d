using System.Diagnostics;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// The failover part of `fpo bench cluster`: 2 trainer silos (Orleans keeps one trainer activation; the other silo
/// stands by), 2 rollout, 1 reference and 1 judge silo on the tiny task. SIGKILL the rollout silo that hosts the rollout
/// grain, then the trainer silo that hosts the trainer grain; for each, the time until the grain works again on the
/// other silo (Orleans declares the dead silo dead and reactivates the grain at its next message) and until the run's
/// next snapshot. Nothing restarts the killed silos: the survivors carry the run, as they would while Kubernetes
/// replaces a pod.
/// </summary>
internal static class FailoverBenchmark
{
    public static async Task<IReadOnlyList<Failover>> RunAsync(string connection, ClusterBenchOptions options, string work, Action<string> progress,
        CancellationToken cancellationToken)
    {
        await using var cluster = await BenchCluster.OpenAsync(connection, options.ConfigDir, "failover", work, options.LogsDir, cancellationToken).ConfigureAwait(false);
        progress("failover: starting 2 trainer, 2 rollout, 1 reference and 1 judge silo on the tiny task");
        string[] trainerSets = ["task.size=tiny", $"run.data={options.DataDir}"];
        var trainers = new[] { cluster.Start("trainer", "trainer-1", trainerSets), cluster.Start("trainer", "trainer-2", trainerSets) };
        var rollouts = new[] { cluster.Start("rollout", "rollout-1"), cluster.Start("rollout", "rollout-2") };
        cluster.Start("reference", "reference");
        cluster.Start("judge", "judge");
        await cluster.WaitForVersionAsync(2, "failover: warming up until snapshot 2", progress, cancellationToken).ConfigureAwait(false);

        var rollout = await HostAsync("rollout", rollouts, cluster, progress, cancellationToken).ConfigureAwait(false);
        var rolloutFailover = await KillAsync(cluster, "rollout", rollout, [.. cluster.Silos.Select(s => s.Process).Where(s => s != rollout)], progress,
            async (since, ct) => (await cluster.ServingAsync(ct).ConfigureAwait(false)).Where(s => s.At > since).Select(s => (DateTimeOffset?)s.At).Min(),
            cancellationToken).ConfigureAwait(false);

        var trainer = await HostAsync("trainer", trainers, cluster, progress, cancellationToken).ConfigureAwait(false);
        var trainerFailover = await KillAsync(cluster, "trainer", trainer, [.. cluster.Silos.Select(s => s.Process).Where(s => s != rollout && s != trainer)], progress,
            async (since, ct) => (await cluster.Stores.Journal.ReadAsync(JournalKinds.TrainerStep, 0, int.MaxValue, ct).ConfigureAwait(false))
                .Where(e => e.At > since).Select(e => (DateTimeOffset?)e.At).Min(),
            cancellationToken).ConfigureAwait(false);
        await cluster.StopAsync(progress).ConfigureAwait(false);
        return [rolloutFailover, trainerFailover];
    }

    // The silo whose status line reports the role's grain (status lines come every 2 s).
    private static async Task<SiloProcess> HostAsync(string role, IReadOnlyList<SiloProcess> silos, BenchCluster cluster, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        SiloProcess? host;
        while ((host = BenchCluster.Hosting(role, silos)) is null)
        {
            cluster.ThrowIfExited(silos);
            if (clock.Elapsed > BenchCluster.Patience) throw new TimeoutException($"failover: no {role} silo reported an activation of the {role} grain");
            progress($"failover: looking for the silo that hosts the {role} grain ({clock.Elapsed.TotalSeconds:F0} s)");
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
        return host;
    }

    // SIGKILL `doomed`, then wait for `worked` (the first sign of the grain working again after the kill) and the next snapshot.
    private static async Task<Failover> KillAsync(BenchCluster cluster, string role, SiloProcess doomed, IReadOnlyList<SiloProcess> survivors, Action<string> progress,
        Func<DateTimeOffset, CancellationToken, Task<DateTimeOffset?>> worked, CancellationToken cancellationToken)
    {
        var before = await cluster.LatestVersionAsync(cancellationToken).ConfigureAwait(false);
        var killedAt = DateTimeOffset.UtcNow;
        doomed.Kill();
        var what = $"failover: SIGKILL {doomed.Name}";
        progress(what);
        var clock = Stopwatch.StartNew();
        DateTimeOffset? reactivated = null, next = null;
        while (reactivated is null || next is null)
        {
            cluster.ThrowIfExited(survivors);
            if (clock.Elapsed > BenchCluster.Patience) throw new TimeoutException($"{what}: the run did not recover within {BenchCluster.Patience.TotalMinutes} minutes");
            reactivated ??= await worked(killedAt, cancellationToken).ConfigureAwait(false);
            if (next is null && await cluster.LatestVersionAsync(cancellationToken).ConfigureAwait(false) > before)
                next = (await cluster.Stores.Snapshots.ListAsync(cancellationToken).ConfigureAwait(false)).First(s => s.Version == before + 1).PublishedAt;
            progress($"{what}: waiting for the grain on another silo and the next snapshot ({clock.Elapsed.TotalSeconds:F0} s)");
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
        return new Failover(role, doomed.Name, (reactivated.Value - killedAt).TotalSeconds, (next.Value - killedAt).TotalSeconds);
    }
}
