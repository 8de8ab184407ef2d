using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;
using Fpo.Grains.Roles;
using Fpo.Grains.Tests.Embedded;
using Fpo.Grains.Work;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Tests.Work;

/// <summary>Where the trainer resumes: the checkpoint of the newest snapshot's step, and only if it holds that snapshot's weights.</summary>
public sealed class TrainerWorkTests : RunFolder
{
    private static readonly TrainerSettings Settings = new()
    {
        Training = new PreferenceTrainingSettings { Method = "simpo", LearningRate = 1e-3f, Schedule = "constant", BatchSize = 2 },
        SnapshotEvery = 2,
        MaxPolicyLag = 2,
    };

    private readonly TransformerModel _policy = TinyLoop.Assets().InitialPolicy;

    private string CheckpointDir => Path.Combine(Folder, "trainer");

    private Task<TrainerWork> OpenAsync(ISnapshotStore snapshots) => TrainerWork.OpenAsync(snapshots, _policy.Config, null, null, Settings, CheckpointDir, Ct);

    private async Task PublishSnapshotsThroughAsync(ISnapshotStore snapshots, long version)
    {
        for (var v = 0; v <= version; v++)
        {
            var model = new TransformerModel(_policy.Config);
            _policy.Parameters.CopyTo(model.Parameters, 0);
            model.Parameters[0] += v;
            await snapshots.PublishAsync(new SnapshotPublication(v, PolicySnapshot.Files(model), [], v), Ct);
        }
    }

    private static PreferencePair[] Batch(params string[] ids) => [.. ids.Select(id => TinyLoop.Preference(id, rejectedTail: " " + id))];

    [Fact]
    public async Task Opening_resumes_weights_and_optimizer_from_the_checkpoint_of_the_newest_snapshot_and_redoes_the_steps_after_it()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        await PublishSnapshotsThroughAsync(stores.Snapshots, 0);
        var first = await OpenAsync(stores.Snapshots);
        first.Train(Batch("p0", "p1"));
        first.Train(Batch("p2", "p3"));
        await first.PublishAsync(stores.Snapshots, ["p0", "p1", "p2", "p3"], Ct);
        first.Train(Batch("p4", "p5"));  // step 3, lost with its process
        var lost = first.Train(Batch("p6", "p7"));

        var resumed = await OpenAsync(stores.Snapshots);

        Assert.Equal((2L, 1L, 4L), (resumed.Step, resumed.SnapshotVersion, resumed.Trained));
        resumed.Train(Batch("p4", "p5"));
        // Step 4's loss depends on step 3's update, hence on the AdamW moments the checkpoint restored.
        Assert.Equal(lost.Metrics.Loss, resumed.Train(Batch("p6", "p7")).Metrics.Loss, 1e-6f);
    }

    [Fact]
    public async Task A_checkpoint_that_does_not_hold_the_newest_snapshots_weights_is_not_resumed_from()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        await PublishSnapshotsThroughAsync(stores.Snapshots, 1);
        // Another trainer's checkpoint at the same step (here of another shape, which resuming from would refuse outright).
        var other = new TransformerModel(ModelConfig.CreateGpt2(TinyLoop.Tokenizer.VocabSize, 32, layers: 1, channels: 16, heads: 2), 5);
        PreferenceCheckpoint.Save(CheckpointDir, other, AdamW.For(other, Settings.Training.AdamW()),
            new PreferenceCheckpoint.State(1, 1, 0, Settings.Training, "online", null, null));

        var work = await OpenAsync(stores.Snapshots);

        Assert.Equal((1L, 1L), (work.Step, work.SnapshotVersion));
    }

    [Fact]
    public async Task The_KL_controller_retunes_the_next_step_acts_once_per_newer_snapshot_and_resumes_from_the_snapshot_metadata()
    {
        var settings = Settings with { Training = Settings.Training with { Method = "tdpo1" }, KlBudget = 0.05, KlGain = 0.1 };
        await using var stores = EmbeddedRunStores.Open(Folder);
        await PublishSnapshotsThroughAsync(stores.Snapshots, 0);
        var work = await TrainerWork.OpenAsync(stores.Snapshots, _policy.Config, null, null, settings, CheckpointDir, Ct);
        Assert.Equal(0.1, work.Train(Batch("p0", "p1")).Beta, 6);

        Assert.True(work.ObserveKl(1, 0.5));  // over budget: +2%
        Assert.False(work.ObserveKl(1, 0.5));  // the same snapshot again
        Assert.True(work.ObserveKl(2, 0.5));
        Assert.Equal(0.1 * 1.02 * 1.02, work.Train(Batch("p2", "p3")).Beta, 6);
        await work.PublishAsync(stores.Snapshots, ["p0", "p1", "p2", "p3"], Ct);

        var resumed = await TrainerWork.OpenAsync(stores.Snapshots, _policy.Config, null, null, settings, CheckpointDir, Ct);
        Assert.Equal(0.1 * 1.02 * 1.02, resumed.KlControl!.Beta, 6);
        Assert.False(resumed.ObserveKl(2, 0.5));  // it remembers which snapshot it last acted on
        var simpo = await TrainerWork.OpenAsync(stores.Snapshots, _policy.Config, null, null, Settings with { KlBudget = 0.05 }, CheckpointDir + "-simpo", Ct);
        Assert.Null(simpo.KlControl);
        Assert.False(simpo.ObserveKl(3, 0.5));
    }

    [Fact]
    public async Task A_trainer_publishing_BF16_resumes_its_fp32_checkpoint_because_its_weights_written_as_BF16_are_the_snapshot()
    {
        var settings = Settings with { SnapshotDType = SnapshotDType.BF16 };
        await using var stores = EmbeddedRunStores.Open(Folder);
        await PublishSnapshotsThroughAsync(stores.Snapshots, 0);
        var first = await TrainerWork.OpenAsync(stores.Snapshots, _policy.Config, null, null, settings, CheckpointDir, Ct);
        first.Train(Batch("p0", "p1"));
        first.Train(Batch("p2", "p3"));
        await first.PublishAsync(stores.Snapshots, ["p0", "p1", "p2", "p3"], Ct);
        var lost = first.Train(Batch("p4", "p5"));

        var published = await stores.Snapshots.GetAsync(1, Ct);
        Assert.Equal(SnapshotDType.BF16, PolicySnapshot.DTypeOf(published));
        var resumed = await TrainerWork.OpenAsync(stores.Snapshots, _policy.Config, null, null, settings, CheckpointDir, Ct);

        // Bit-equal losses need the unrounded fp32 master and the AdamW moments: only the checkpoint has them.
        Assert.Equal(lost.Metrics.Loss, resumed.Train(Batch("p4", "p5")).Metrics.Loss);
    }

    [Fact]
    public async Task Without_a_matching_checkpoint_a_BF16_snapshot_becomes_the_master_widened_exactly()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        var model = new TransformerModel(_policy.Config, seed: 11);
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, PolicySnapshot.Files(model, SnapshotDType.BF16), [], 0), Ct);

        // It publishes F32, so the next snapshot shows the master it resumed with, before any step changes it.
        var work = await OpenAsync(stores.Snapshots);
        await work.PublishAsync(stores.Snapshots, [], Ct);

        var widened = new TransformerModel(_policy.Config);
        PolicySnapshot.Load(await stores.Snapshots.GetAsync(0, Ct), widened);
        Assert.NotEqual(model.Parameters, widened.Parameters);
        Assert.Equal(PolicySnapshot.Files(widened)[PolicySnapshot.WeightsFile], (await stores.Snapshots.GetAsync(1, Ct)).Files[PolicySnapshot.WeightsFile]);
    }
}
