using Fpo.Grains.Backbone;
using Fpo.Grains.Cluster;
using Fpo.Grains.Embedded;
using Fpo.Grains.Tests.Embedded;

namespace Fpo.Grains.Tests.Cluster;

/// <summary>Silos of one run in one process on an embedded backbone: singleton election and re-election, a lost compare-and-set, a failing role.</summary>
public sealed class RoleHostTests : RunFolder
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly string[] EveryGrainRole = [RoleNames.Trainer, RoleNames.PromptSource, RoleNames.Rollout, RoleNames.Reference, RoleNames.Judge];

    [Fact]
    public async Task A_second_trainer_waits_and_takes_over_from_the_latest_snapshot_when_the_first_stops()
    {
        await using var backbone = EmbeddedBackbone.Open(Path.Combine(Folder, "run"));
        var (logA, logB) = (new TinySilo(), new TinySilo());
        using var a = TinySilo.Host(backbone, TinySilo.Settings("a", Path.Combine(Folder, "a"), EveryGrainRole), logA);
        using var b = TinySilo.Host(backbone, TinySilo.Settings("b", Path.Combine(Folder, "b"), EveryGrainRole), logB);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();

        var runA = a.RunAsync(stopA.Token, Ct);
        await TinySilo.SnapshotAsync(backbone, 2, Patience);
        var runB = b.RunAsync(stopB.Token, Ct);
        await logB.SeenAsync($"waiting: another trainer holds run {backbone.RunId}", Patience);
        await logB.SeenAsync("waiting: another prompt_source holds run", Patience);
        await stopA.CancelAsync();
        await runA;
        var handedOver = (await backbone.Snapshots.LatestAsync(Ct))!.Version;
        await logB.SeenAsync("trainer: elected for run", Patience);
        await logB.SeenAsync($"trainer: training run {backbone.RunId} from snapshot {handedOver}", Patience);
        await TinySilo.SnapshotAsync(backbone, handedOver + 2, Patience);
        await stopB.CancelAsync();
        await runB;

        Assert.DoesNotContain(logA.Lines, l => l.Contains("waiting: another trainer", StringComparison.Ordinal));
        Assert.Contains(logB.Lines, l => l.Contains("trainer: published snapshot", StringComparison.Ordinal));
        var report = await backbone.Lineage.VerifyAsync(Ct);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(Enumerable.Range(0, (int)report.LatestVersion + 1).Select(v => (long)v), (await backbone.Snapshots.ListAsync(Ct)).Select(s => s.Version));
    }

    [Fact]
    public async Task A_trainer_that_loses_the_compare_and_set_drops_its_grain_and_resumes_after_the_winner()
    {
        await using var backbone = EmbeddedBackbone.Open(Path.Combine(Folder, "run"));
        var log = new TinySilo();
        using var host = TinySilo.Host(backbone, TinySilo.Settings("a", Path.Combine(Folder, "a"), EveryGrainRole), log);
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token, Ct);
        await TinySilo.SnapshotAsync(backbone, 1, Patience);

        // A zombie trainer publishes the next version before the elected one does (retried if the elected one was quicker).
        SnapshotInfo zombie;
        while (true)
        {
            var latest = (await backbone.Snapshots.LatestAsync(Ct))!;
            var content = await backbone.Snapshots.GetAsync(latest.Version, Ct);
            try
            {
                zombie = await backbone.Snapshots.PublishAsync(new SnapshotPublication(latest.Version + 1, content.Files, [], latest.TrainerStep, """{"zombie":true}"""), Ct);
                break;
            }
            catch (SnapshotConflictException)
            {
            }
        }
        await log.SeenAsync("trainer: another trainer publishes run", Patience);
        await log.SeenAsync("dropped its grains, waiting to be elected again", Patience);
        await log.SeenAsync($"trainer: training run {backbone.RunId} from snapshot {zombie.Version}", Patience);
        await TinySilo.SnapshotAsync(backbone, zombie.Version + 2, Patience);
        await stop.CancelAsync();
        await run;

        var report = await backbone.Lineage.VerifyAsync(Ct);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal("""{"zombie":true}""", (await backbone.Snapshots.ListAsync(Ct))[(int)zombie.Version].Metadata);
    }

    [Fact]
    public async Task A_role_that_throws_is_logged_and_started_again_after_the_backoff()
    {
        await using var backbone = EmbeddedBackbone.Open(Path.Combine(Folder, "run"));
        var log = new TinySilo();
        var flaky = new FlakyRole();
        using var host = RoleHost.Create(backbone, TinySilo.Settings("a", Path.Combine(Folder, "a"), RoleNames.Judge), [flaky], null, log.Write);
        using var stop = new CancellationTokenSource();

        var run = host.RunAsync(stop.Token, Ct);
        await flaky.SecondRun.Task.WaitAsync(Patience, Ct);
        await stop.CancelAsync();
        await run;

        Assert.Contains(log.Lines, l => l.Contains("flaky: failed (InvalidOperationException: the first run fails); restarting in", StringComparison.Ordinal));
        Assert.Equal(2, flaky.Runs);
        Assert.Equal("stopped", (await host.StatusAsync(TimeSpan.FromSeconds(5))).Roles.Single().State);
    }

    private sealed class FlakyRole : SiloRole
    {
        public int Runs;
        public readonly TaskCompletionSource SecondRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => "flaky";
        public override string Activity => $"{Runs} runs";

        public override async Task RunAsync(RoleContext context, CancellationToken stop, CancellationToken abort)
        {
            if (++Runs == 1) throw new InvalidOperationException("the first run fails");
            SecondRun.TrySetResult();
            await Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
