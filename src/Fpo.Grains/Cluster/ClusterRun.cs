using Fpo.Grains.Stores;
using Fpo.Grains.Loop;
using Fpo.Grains.Runs;

namespace Fpo.Grains.Cluster;

/// <summary>
/// How a cluster silo comes to host a run. Pods share no disk, only the stores, so the run's assets travel in snapshot
/// 0 (<see cref="RunAssets"/>): a silo that can start the run (its config names a task: the trainer silo) publishes
/// them with the initial policy when the store is empty; every silo waits for snapshot 0 and loads its assets from it,
/// the same bytes, verified by the snapshot's SHA-256.
/// </summary>
public static class ClusterRun
{
    private static readonly TimeSpan SnapshotPoll = TimeSpan.FromSeconds(1);

    /// <summary>The run's context on this silo, once snapshot 0 is there (published by this silo when it may start the run).</summary>
    public static async Task<RunContext> OpenAsync(string runId, IRunStores stores, SiloSettings silo, Func<CancellationToken, Task<RunAssetSource>>? prepareRun,
        Action<string> log, CancellationToken cancellationToken)
    {
        if (prepareRun is not null) await EnsureInitialSnapshotAsync(runId, stores, prepareRun, log, cancellationToken).ConfigureAwait(false);
        var waiting = false;
        while (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            if (!waiting) log($"waiting for snapshot 0 of run {runId} (the trainer silo publishes it with the run's assets)");
            waiting = true;
            await Task.Delay(SnapshotPoll, cancellationToken).ConfigureAwait(false);
        }
        var initial = await stores.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(false);
        var workDir = Path.Combine(silo.WorkDir, runId);
        var assets = RunAssets.Load(initial, workDir);
        LoopGrains.Check(assets, silo.Loop);
        log($"loaded the run's assets from snapshot 0: {assets.TrainPrompts.Count} training and {assets.HeldOutPrompts.Count} held-out prompts, " +
            $"judge {assets.Judge.Name}, {(assets.Sae is null ? "no SAE" : "SAE " + Path.GetFileName(assets.SaeDir))}");
        return new RunContext(runId, assets, silo.Loop, stores, Path.Combine(workDir, LoopHost.TrainerFolder));
    }

    // A conflict means another silo published snapshot 0 first, which is as good.
    private static async Task EnsureInitialSnapshotAsync(string runId, IRunStores stores, Func<CancellationToken, Task<RunAssetSource>> prepareRun,
        Action<string> log, CancellationToken cancellationToken)
    {
        if (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is not null) return;
        log($"run {runId} is empty: preparing its assets for snapshot 0");
        var files = RunAssets.Files(await prepareRun(cancellationToken).ConfigureAwait(false));
        try
        {
            await stores.Snapshots.PublishAsync(new SnapshotPublication(0, files, [], 0, """{"initial":true,"assets":true}"""), cancellationToken).ConfigureAwait(false);
            log($"published snapshot 0 with the initial policy and the run's assets ({files.Values.Sum(f => f.LongLength) / 1e6:F1} MB)");
        }
        catch (SnapshotConflictException)
        {
            log("snapshot 0 was published by another silo first; using it");
        }
    }
}
