using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Runs;

namespace Fpo.Grains.Tests.Actors;

/// <summary>The rollout grain: prompts in, pairs out, one policy version per batch, and prompts it cannot sample dead-lettered.</summary>
[Collection(ActorCollection.Name)]
public sealed class RolloutGrainContractTests(ActorCluster cluster)
{
    // Letters the tiny tokenizer never merged: one token each, far more than the model's 64 positions hold.
    // At least the tiny model's 64 positions on its own: no room for a single response token.
    private static string TooLong(int i) => $"{i} " + string.Join(" ", Enumerable.Repeat("zq", 80));

    private static string Describe(PairBatch batch) => $"{batch.Id}: {string.Join(", ", batch.Pairs.Select(p => $"{p.Id}@v{p.PolicyVersion}"))}";

    private static string Describe(PromptBatch batch) => batch.Id;

    // What makes two samplings of a pair the same: its responses, token for token.
    private static string Sampled(RolloutPair pair) => JsonSerializer.Serialize(new { pair.Id, pair.PromptTokens, pair.ResponseA, pair.ResponseATokens, pair.ResponseB, pair.ResponseBTokens, pair.PolicyVersion });

    [Fact]
    public async Task A_prompt_batch_becomes_pairs_named_after_its_prompts_in_the_replicas_version_and_a_redelivered_batch_is_not_sampled_again()
    {
        var run = await cluster.StartRunAsync("rollout-pairs");
        await using var pairs = await run.TapAsync<PairBatch>(StreamNamespaces.Pairs, run.Partition(0), Describe);
        var batch = new PromptBatch("prompt-a", [new("prompt-a", "the cat 1"), new("prompt-long", TooLong(0)), new("prompt-b", "a dog 2")]);

        await run.SendAsync(StreamNamespaces.Prompts, run.Partition(0), batch);
        var first = await pairs.Items.FirstAsync(b => b.Id == "prompt-a", "the pairs of batch prompt-a");
        // The redelivery is skipped (its tally is in the journal); a later batch on the same stream shows it is past.
        await run.SendAsync(StreamNamespaces.Prompts, run.Partition(0), batch);
        await run.SendAsync(StreamNamespaces.Prompts, run.Partition(0), new PromptBatch("prompt-c", [new("prompt-c", "on the mat 3")]));
        await pairs.Items.FirstAsync(b => b.Id == "prompt-c", "the pairs of batch prompt-c, sent after prompt-a again");

        Assert.Equal(["pair-prompt-a", "pair-prompt-b"], first.Pairs.Select(p => p.Id));
        Assert.Equal(["the cat 1", "a dog 2"], first.Pairs.Select(p => p.Prompt));
        Assert.All(first.Pairs, p =>
        {
            Assert.Equal(0, p.PolicyVersion);
            Assert.NotEmpty(p.PromptTokens);
            Assert.Null(p.Reference);
        });
        Assert.Single(pairs.Items.Items, b => b.Id == "prompt-a");
        Assert.Equal(0, (await run.Rollout().StatusAsync()).PolicyVersion);

        var dead = Assert.Single(await run.JournalAsync(JournalKinds.DeadLetter));
        Assert.Equal("prompts/prompt-long", dead.Id);
        var record = JsonSerializer.Deserialize<DeadLetterRecord>(dead.Json, JournalKinds.Json)!;
        Assert.Equal((StreamNamespaces.Prompts, "prompt-long"), (record.Stream, record.Id));
        Assert.Matches(@"^the prompt's \d+ tokens leave no room for a response in the model's 64 positions$", record.Reason);
        // The run's totals count a batch once however often it was delivered.
        var totals = await new RunTotals(run.Stores.Journal).RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Equal((3, 1), (totals.Pairs, totals.FailedPrompts));
    }

    [Fact]
    public async Task A_snapshot_announced_during_a_batch_is_loaded_before_the_next_batch_and_never_during_one()
    {
        const string Held = "the cat held";
        var sampling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        // Holds the rollout grain inside its first batch, on the thread its sampling runs on, until the test lets go.
        int[] Encode(string text)
        {
            if (text == Held && sampling.TrySetResult() && !release.Wait(Wait.Limit))
                throw new TimeoutException("the test never let the held batch go on");
            return TinyLoop.Tokenizer.Encode(text);
        }
        var run = await cluster.StartRunAsync("rollout-switch", a => a with { EncodePrompt = Encode });
        await using var pairs = await run.TapAsync<PairBatch>(StreamNamespaces.Pairs, run.Partition(0), Describe);

        await run.SendAsync(StreamNamespaces.Prompts, run.Partition(0), new PromptBatch("b1", [new("b1-0", "a dog 1"), new("b1-1", Held), new("b1-2", "sat 3")]));
        await Wait.ForAsync(sampling.Task, "the rollout grain to sample batch b1");
        await run.PublishSnapshotAsync(1, trainerStep: 2);
        // Sent while b1 is being sampled; a grain does one thing at a time, so the rollout grain takes it when b1's turn ends.
        var announcing = run.AnnounceAsync(1);
        release.Set();
        await announcing;
        var b1 = await pairs.Items.FirstAsync(b => b.Id == "b1", "the pairs of batch b1, held while snapshot 1 was announced");
        await run.SendAsync(StreamNamespaces.Prompts, run.Partition(0), new PromptBatch("b2", [new("b2-0", "a dog 1"), new("b2-1", "on the mat 2")]));
        var b2 = await pairs.Items.FirstAsync(b => b.Id == "b2", "the pairs of batch b2");

        Assert.Equal([0L, 0L, 0L], b1.Pairs.Select(p => p.PolicyVersion));
        Assert.Equal([1L, 1L], b2.Pairs.Select(p => p.PolicyVersion));
        var status = await run.Rollout().StatusAsync();
        Assert.Equal((1, 1, 5), (status.PolicyVersion, status.SnapshotSwitches, status.PairsProduced));
        // Each batch's SAE statistics are the policy side of the version that sampled it.
        var keys = await run.Stores.FeatureStats.KeysAsync(TestContext.Current.CancellationToken);
        Assert.Equal([new FeatureStatsKey(0, FeatureSide.Policy), new FeatureStatsKey(1, FeatureSide.Policy)], keys.Where(k => k.Side == FeatureSide.Policy));
    }

    [Fact]
    public async Task A_batch_none_of_whose_prompts_fit_the_model_is_dead_lettered_with_the_reason_and_settles_at_the_prompt_source()
    {
        var run = await cluster.StartRunAsync("rollout-too-long",
            a => a with { TrainPrompts = [.. Enumerable.Range(0, 8).Select(TooLong)] },
            s => s with { MaxInFlight = 8 });
        await using var prompts = await run.TapAsync<PromptBatch>(StreamNamespaces.Prompts, run.Partition(0), Describe);

        await run.PromptSource.StartAsync();
        // Room for one batch in flight: the second is published only once the first has settled.
        await prompts.Items.FirstAsync(b => b.Id == PromptIds.Prompt(run.Id, 8), "the prompt source's second batch, published once the first settled");
        await run.PromptSource.StopAsync();

        var dead = (await run.JournalAsync(JournalKinds.DeadLetter)).Where(e => PromptIds.Number(e.Id) < 8).ToList();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => "prompts/" + PromptIds.Prompt(run.Id, i)), dead.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.All(dead, e => Assert.Contains("leave no room for a response in the model's 64 positions", JsonSerializer.Deserialize<DeadLetterRecord>(e.Json, JournalKinds.Json)!.Reason, StringComparison.Ordinal));
        var tally = (await run.JournalAsync(JournalKinds.RolloutBatch)).Single(e => e.Id == PromptIds.Prompt(run.Id, 0));
        Assert.Equal(new BatchTally(0, 0, 0, 8), JsonSerializer.Deserialize<BatchTally>(tally.Json, JournalKinds.Json));
    }
}
