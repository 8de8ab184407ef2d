using System.Text.Json;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Grains.Actors;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;
using Fpo.Grains.Stores;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// The trainer grain: preferences in, a step per batch, a snapshot every N steps whose lineage names what it holds; each
/// preference trained once, across redeliveries, deactivations and a lost compare-and-set.
/// </summary>
[Collection(ActorCollection.Name)]
public sealed class TrainerGrainContractTests(ActorCluster cluster)
{
    // SimPO needs no reference data: the tests write their preferences by hand. Two pairs a step, a snapshot every two steps.
    private static LoopSettings SimPo(LoopSettings settings) => settings with
    {
        Trainer = new TrainerSettings
        {
            Training = new PreferenceTrainingSettings { Method = "simpo", LearningRate = 1e-3f, Schedule = "constant", BatchSize = 2 },
            SnapshotEvery = 2,
            MaxPolicyLag = 2,
            BatchWait = TimeSpan.FromHours(1),
        },
    };

    private static PreferencePair Preference(string id, long version = 0) => TinyLoop.Preference(id, version);

    // What a judge grain does with a batch it labelled: sends it to the trainer, then journals which labels it sent.
    private static async Task SendAsync(ActorRun run, string batchId, params PreferencePair[] preferences)
    {
        await run.SendAsync(StreamNamespaces.Preferences, run.Id, new JudgedBatch(batchId, preferences));
        await run.Stores.Journal.AppendAsync(JournalKinds.JudgedBatch, batchId, JsonSerializer.Serialize(
            new BatchTally(preferences.Length, preferences.Length, 0, 0, [.. preferences.Select(p => p.Id)]), JournalKinds.Json), TestContext.Current.CancellationToken);
    }

    private static async Task<IReadOnlyList<string>> LineageAsync(ActorRun run, long version) =>
        [.. (await run.Stores.Lineage.PreferencesInAsync(version, TestContext.Current.CancellationToken)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Trains_a_step_per_batch_and_publishes_every_N_steps_with_the_lineage_and_a_redelivered_preference_is_not_trained_again()
    {
        var run = await cluster.StartRunAsync("trainer-steps", settings: SimPo);
        await run.Trainer.StartAsync();

        await SendAsync(run, "j1", Preference("p0"), Preference("p1"));
        var step1 = await run.Steps.FirstAsync(s => s.Step == 1, "step 1");
        await SendAsync(run, "j2", Preference("p0"), Preference("p2"), Preference("p3"));  // p0 is trained, in no snapshot yet
        var step2 = await run.Steps.FirstAsync(s => s.Step == 2, "step 2 and snapshot 1");
        await SendAsync(run, "j3", Preference("p1"), Preference("p4"), Preference("p5"));  // p1 is in snapshot 1
        var step3 = await run.Steps.FirstAsync(s => s.Step == 3, "step 3");
        var status = await run.Trainer.StatusAsync();
        var flushed = await run.Trainer.FlushAsync();

        Assert.Equal([2, 2, 2], new[] { step1, step2, step3 }.Select(s => s.Metrics.Pairs));
        Assert.Equal([null, 1L, null], new[] { step1, step2, step3 }.Select(s => s.PublishedVersion));
        Assert.Equal((3L, 1L, 6L, 2L, 0L, 2), (status.Step, status.SnapshotVersion, status.Trained, status.Duplicates, status.DroppedStale, status.Inbox));
        Assert.Equal(2, flushed);
        Assert.Equal(["p0", "p1", "p2", "p3"], await LineageAsync(run, 1));
        Assert.Equal(["p4", "p5"], await LineageAsync(run, 2));
        var lineage = await run.Stores.VerifyLineageAsync(TestContext.Current.CancellationToken);
        Assert.True(lineage.Holds, string.Join("\n", lineage.Violations));
        Assert.Equal(["1", "2", "3"], (await run.JournalAsync(JournalKinds.TrainerStep)).Select(e => e.Id));
        Assert.Equal(0, (await run.Trainer.StatusAsync()).Inbox);
    }

    [Fact]
    public async Task A_stale_preference_is_recorded_as_dropped_with_the_reason_and_not_trained()
    {
        var run = await cluster.StartRunAsync("trainer-stale", settings: SimPo);
        for (var v = 1; v <= 5; v++) await run.PublishSnapshotAsync(v, trainerStep: v);
        await run.Trainer.StartAsync();

        await SendAsync(run, "j1", Preference("old", version: 2), Preference("fresh-a", version: 3), Preference("fresh-b", version: 5));
        var step = await run.Steps.FirstAsync(s => s.Step == 6, "step 6, the first after snapshot 5 (taken at step 5)");

        Assert.Equal((6L, 1.0), (step.PublishedVersion, step.MeanPolicyLag));
        Assert.Equal(["fresh-a", "fresh-b"], await LineageAsync(run, 6));
        var dropped = Assert.Single(await run.Stores.Lineage.DroppedAsync(TestContext.Current.CancellationToken));
        Assert.Equal(("old", "stale: policy version 2, snapshot 5, max lag 2"), (dropped.PreferenceId, dropped.Reason));
        Assert.Null(await run.Stores.Lineage.SnapshotOfAsync("old", TestContext.Current.CancellationToken));
        Assert.Equal(1, (await run.Trainer.StatusAsync()).DroppedStale);
    }

    [Fact]
    public async Task What_it_received_survives_deactivation_in_its_state_and_is_trained_once_after_reactivation()
    {
        var run = await cluster.StartRunAsync("trainer-deactivation", settings: SimPo);
        await run.Trainer.StartAsync();
        await SendAsync(run, "j1", Preference("p0"), Preference("p1"), Preference("p2"));
        await run.Steps.FirstAsync(s => s.Step == 1, "step 1, on p0 and p1");

        await cluster.Cluster.DeactivateAsync(run.Trainer);

        Assert.Null(cluster.HostOf(run.Trainer));
        // A graceful deactivation publishes what was trained, so no step is redone; p2 stays in the inbox.
        Assert.Equal(["p0", "p1"], await LineageAsync(run, 1));
        Assert.Equal(["p2"], run.Writes<TrainerInbox>(run.Trainer)[^1].Received.Select(e => e.Pair.Id));

        await SendAsync(run, "j2", Preference("p3"));
        var step2 = await run.Steps.FirstAsync(s => s.Step == 2, "step 2, by the reactivated trainer, on p2 from its inbox and p3");

        Assert.Equal((2, 2L), (step2.Metrics.Pairs, step2.PublishedVersion));
        Assert.Equal(["p2", "p3"], await LineageAsync(run, 2));
        var status = await run.Trainer.StatusAsync();
        Assert.Equal((2L, 2L, 4L, 0), (status.Step, status.SnapshotVersion, status.Trained, status.Inbox));
    }

    [Fact]
    public async Task A_publish_that_loses_the_compare_and_set_deactivates_it_and_the_next_activation_trains_its_inbox_on_the_winners_snapshot()
    {
        var run = await cluster.StartRunAsync("trainer-lost-publish", settings: SimPo);
        await run.Trainer.StartAsync();
        await SendAsync(run, "j1", Preference("p0"), Preference("p1"));
        await run.Steps.FirstAsync(s => s.Step == 1, "step 1");
        // Another trainer — a second activation during a partition — publishes snapshot 1 first.
        await run.PublishSnapshotAsync(1, trainerStep: 10, "elsewhere");
        var deactivated = cluster.Cluster.WaitForDeactivationAsync(run.Trainer);

        await SendAsync(run, "j2", Preference("p2"), Preference("p3"));
        await Wait.ForAsync(deactivated, "the trainer whose publish of snapshot 1 lost to deactivate");
        // The delivery failed with the publish; its retry wakes a new activation that resumes from the winner's snapshot.
        var published = await run.Steps.FirstAsync(s => s.PublishedVersion is not null, "a snapshot published by the next activation");

        Assert.Equal([1L, 11L, 12L], run.Steps.Items.Select(s => s.Step));
        Assert.Equal(2, published.PublishedVersion);
        Assert.Equal(["p0", "p1", "p2", "p3"], await LineageAsync(run, 2));
        var status = await run.Trainer.StatusAsync();
        Assert.Equal((12L, 2L, 2L, 0), (status.Step, status.SnapshotVersion, status.Duplicates, status.Inbox));
        Assert.Contains(cluster.Log.Lines, l => l.Contains("run trainer-lost-publish: another trainer published first", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Log.Lines, l => l.Contains("trainer-lost-publish", StringComparison.Ordinal) && l.StartsWith("Error", StringComparison.Ordinal));
    }
}
