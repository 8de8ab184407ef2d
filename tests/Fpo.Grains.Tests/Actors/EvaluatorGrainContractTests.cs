using Fpo.Grains.Actors;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Tests.Actors;

/// <summary>The evaluator grain: each announced snapshot scored once, its position kept across deactivation.</summary>
[Collection(ActorCollection.Name)]
public sealed class EvaluatorGrainContractTests(ActorCluster cluster)
{
    private static async Task PublishAndAnnounceAsync(ActorRun run, long version)
    {
        await run.PublishSnapshotAsync(version, trainerStep: 2 * version);
        await run.AnnounceAsync(version);
    }

    [Fact]
    public async Task Scores_each_announced_snapshot_once_and_keeps_its_position_across_deactivation()
    {
        var run = await cluster.StartRunAsync("evaluator");

        await run.Evaluator.StartAsync();
        await run.Evaluations.FirstAsync(e => e.Version == 0, "the evaluation of snapshot 0, the newest when the evaluator started");
        await PublishAndAnnounceAsync(run, 1);
        await run.Evaluations.FirstAsync(e => e.Version == 1, "the evaluation of snapshot 1");
        await run.AnnounceAsync(1);
        await PublishAndAnnounceAsync(run, 2);
        await run.Evaluations.FirstAsync(e => e.Version == 2, "the evaluation of snapshot 2");

        Assert.Equal([0L, 1L, 2L], run.Evaluations.Items.Select(e => e.Version));

        await cluster.Cluster.DeactivateAsync(run.Evaluator);
        Assert.Null(cluster.HostOf(run.Evaluator));
        var latest = await run.Evaluator.LatestAsync();
        await PublishAndAnnounceAsync(run, 3);
        var third = await run.Evaluations.FirstAsync(e => e.Version == 3, "the evaluation of snapshot 3, by the reactivated evaluator");

        Assert.Equal((2L, 4L, 4), (latest!.Version, latest.TrainerStep, latest.Prompts));
        Assert.Equal([0L, 1L, 2L, 3L], run.Evaluations.Items.Select(e => e.Version));
        Assert.Equal(6, third.TrainerStep);
        Assert.Equal(["0", "1", "2", "3"], (await run.JournalAsync(JournalKinds.Evaluation)).Select(e => e.Id));
        Assert.Equal([0L, 1L, 2L, 3L], run.Writes<EvaluatorState>(run.Evaluator).Select(s => s.LastVersion));
    }
}
