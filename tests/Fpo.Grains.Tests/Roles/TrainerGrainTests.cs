using Fpo.Alignment.Training;
using Fpo.Grains.Roles;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Tests.Roles;

public sealed class TrainerGrainTests : GrainTestRun
{
    private static readonly LeaseSettings Leases = new() { Visibility = TimeSpan.FromSeconds(10), Wait = TimeSpan.FromMilliseconds(20) };

    private Task<TrainerGrain> TrainerAsync(int maxPolicyLag = 2) => TrainerGrain.OpenAsync(Backbone, Preferences, Policy.Config, null, null,
        new TrainerSettings
        {
            Training = new PreferenceTrainingSettings { Method = "simpo", LearningRate = 1e-3f, Schedule = "constant", BatchSize = 2 },
            SnapshotEvery = 2,
            MaxPolicyLag = maxPolicyLag,
            BatchWait = TimeSpan.FromHours(1),
        }, Leases, Path.Combine(Folder, "trainer"), Ct, Clock);

    [Fact]
    public async Task A_lease_that_expires_before_the_snapshot_is_redelivered_and_trained_once()
    {
        await PublishSnapshotsThroughAsync(0);
        await PublishPreferencesAsync(Preference("p0", 0), Preference("p1", 0), Preference("p2", 0), Preference("p3", 0));
        var trainer = await TrainerAsync();

        Assert.True(await trainer.StepAsync(Ct));  // step 1 on p0, p1
        Assert.Equal(1, trainer.Step);
        Clock.Advance(TimeSpan.FromSeconds(11));    // their leases expire before the snapshot is published
        Assert.True(await trainer.StepAsync(Ct));  // the stream hands p0, p1 out again
        Assert.Equal(1, trainer.Step);
        Assert.Equal(2, trainer.Duplicates);
        Assert.True(await trainer.StepAsync(Ct));  // step 2 on p2, p3, then snapshot 1

        Assert.Equal(1, trainer.SnapshotVersion);
        Assert.Equal(4, trainer.Trained);
        Assert.Equal(["p0", "p1", "p2", "p3"], (await Backbone.Lineage.PreferencesInAsync(1, Ct)).Order());
        var counts = await Preferences.CountsAsync(Ct);
        Assert.Equal((4, 0, 0), (counts.Acknowledged, counts.Pending, counts.Leased));
    }

    [Fact]
    public async Task Stale_preferences_are_dropped_with_the_reason_and_counted()
    {
        await PublishSnapshotsThroughAsync(5);
        await PublishPreferencesAsync(Preference("old", 2), Preference("fresh-a", 3), Preference("fresh-b", 5));
        var trainer = await TrainerAsync(maxPolicyLag: 2);

        Assert.True(await trainer.StepAsync(Ct));
        Assert.True(await trainer.StepAsync(Ct));

        Assert.Equal(1, trainer.DroppedStale);
        Assert.Equal(6, trainer.Step);  // snapshot 5 was taken at step 5
        var dropped = Assert.Single(await Backbone.Lineage.DroppedAsync(Ct));
        Assert.Equal("old", dropped.PreferenceId);
        Assert.Equal("stale: policy version 2, snapshot 5, max lag 2", dropped.Reason);
        Assert.Null(await Backbone.Lineage.SnapshotOfAsync("old", Ct));
        await trainer.FlushAsync(Ct);
        Assert.Equal(["fresh-a", "fresh-b"], (await Backbone.Lineage.PreferencesInAsync(6, Ct)).Order());
        Assert.Equal(3, (await Preferences.CountsAsync(Ct)).Acknowledged);
    }

    [Fact]
    public async Task A_resumed_trainer_starts_from_the_checkpoint_of_the_newest_snapshot_and_acknowledges_what_it_holds()
    {
        await PublishSnapshotsThroughAsync(0);
        await PublishPreferencesAsync(Preference("p0", 0), Preference("p1", 0), Preference("p2", 0), Preference("p3", 0), Preference("p4", 0), Preference("p5", 0));
        var first = await TrainerAsync();
        for (var i = 0; i < 3; i++) await first.StepAsync(Ct);  // snapshot 1 after step 2, then step 3 is lost with the process
        Assert.Equal((3, 1), (first.Step, first.SnapshotVersion));

        var resumed = await TrainerAsync();
        Assert.Equal((2, 1, 4), (resumed.Step, resumed.SnapshotVersion, resumed.Trained));
        Clock.Advance(TimeSpan.FromSeconds(11));  // the lost step's leases expire
        await resumed.StepAsync(Ct);
        await resumed.FlushAsync(Ct);

        Assert.Equal(3, resumed.Step);
        Assert.Equal(["p4", "p5"], (await Backbone.Lineage.PreferencesInAsync(2, Ct)).Order());
        Assert.Equal(6, (await Preferences.CountsAsync(Ct)).Acknowledged);
    }

    [Fact]
    public async Task A_checkpoint_that_does_not_hold_the_newest_snapshots_weights_is_not_resumed_from()
    {
        await PublishSnapshotsThroughAsync(1);
        // Another trainer's checkpoint at the same step (here of another shape, which resuming from would refuse outright).
        var other = new TransformerModel(ModelConfig.CreateGpt2(TinyLoop.Tokenizer.VocabSize, 32, layers: 1, channels: 16, heads: 2), 5);
        var training = new PreferenceTrainingSettings { Method = "simpo", LearningRate = 1e-3f, Schedule = "constant", BatchSize = 2 };
        PreferenceCheckpoint.Save(Path.Combine(Folder, "trainer"), other, AdamW.For(other, training.AdamW()), new PreferenceCheckpoint.State(1, 1, 0, training, "online", null, null));

        var trainer = await TrainerAsync();

        Assert.Equal((1, 1), (trainer.Step, trainer.SnapshotVersion));
    }
}
