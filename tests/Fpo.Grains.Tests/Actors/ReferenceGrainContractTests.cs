using System.Text.Json;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;
using Fpo.Grains.Work;

namespace Fpo.Grains.Tests.Actors;

/// <summary>The reference grain: pairs in, the same pairs with the reference data of snapshot 0 out, reference statistics merged once per batch.</summary>
[Collection(ActorCollection.Name)]
public sealed class ReferenceGrainContractTests(ActorCluster cluster)
{
    private static RolloutPair Pair(string id, long version, string prompt, string a, string b) => new()
    {
        Id = id, Prompt = prompt, PromptTokens = TinyLoop.Tokenizer.Encode(prompt),
        ResponseA = a, ResponseATokens = TinyLoop.Tokenizer.Encode(a), ResponseB = b, ResponseBTokens = TinyLoop.Tokenizer.Encode(b),
        PolicyVersion = version,
    };

    private static void Same(SparseFeatures expected, SparseFeatures? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Latents, actual.Latents);
        Assert.Equal(expected.Values.Length, actual.Values.Length);
        for (var i = 0; i < expected.Values.Length; i++) Assert.Equal(expected.Values[i], actual.Values[i], 1e-5f);
    }

    [Fact]
    public async Task Pairs_get_the_reference_data_of_snapshot_0_and_the_reference_statistics_of_each_policy_version_are_merged_once_per_batch()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await cluster.StartRunAsync("reference-annotates");
        await using var annotated = await run.TapAsync<PairBatch>(StreamNamespaces.Annotated, run.Partition(0), b => $"{b.Id} ({b.Pairs.Count} pairs)");
        RolloutPair[] pairs = [Pair("r-0", 2, "the cat", " sat.", " on the mat with dogs"), Pair("r-1", 3, "a dog", " sat", " the cat 3 sat on"), Pair("r-2", 3, "on the mat", ".", " with 5 dogs")];
        // What the grain should attach: a reference work of this test's own on the weights of snapshot 0.
        var assets = run.Context.Assets;
        var reference = LoopGrains.Frozen(assets.InitialPolicy.Config, await run.Stores.Snapshots.GetAsync(0, ct));
        var (expected, statistics) = new ReferenceWork(reference, assets.Sae, ReferenceData.SaeIdOf(assets.SaeDir!), run.Settings.Rollout).Annotate(pairs);

        await run.SendAsync(StreamNamespaces.Pairs, run.Partition(0), new PairBatch("batch-r", pairs));
        var batch = await annotated.Items.FirstAsync(b => b.Id == "batch-r", "the annotated batch batch-r");

        Assert.Equal(pairs.Select(p => p.Id), batch.Pairs.Select(p => p.Id));
        for (var i = 0; i < pairs.Length; i++)
        {
            var (want, got) = (expected[i].Reference!, batch.Pairs[i].Reference);
            Assert.NotNull(got);
            Assert.True(got.ChosenLogProbSum < 0 && got.RejectedLogProbSum < 0, $"{pairs[i].Id}: log-probs {got.ChosenLogProbSum}, {got.RejectedLogProbSum}");
            Assert.Equal(want.ChosenLogProbSum, got.ChosenLogProbSum, 1e-5);
            Assert.Equal(want.RejectedLogProbSum, got.RejectedLogProbSum, 1e-5);
            Assert.Equal(want.ChosenLogProbMean, got.ChosenLogProbMean, 1e-5);
            Assert.Equal(want.RejectedLogProbMean, got.RejectedLogProbMean, 1e-5);
            Same(want.ChosenFeatures!, got.ChosenFeatures);
            Same(want.RejectedFeatures!, got.RejectedFeatures);
            Assert.Equal((1, "tiny-sae"), (got.SaeLayer, got.SaeId));
            Assert.Equal(JsonSerializer.Serialize(pairs[i]), JsonSerializer.Serialize(batch.Pairs[i] with { Reference = null }));
        }
        FeatureStatsKey[] keys = [new(2, FeatureSide.Reference), new(3, FeatureSide.Reference)];
        Assert.Equal(keys, await run.Stores.FeatureStats.KeysAsync(ct));
        var tokens = keys.Select(k => statistics[k.SnapshotVersion].TotalTokens).ToList();
        Assert.Equal(tokens, await TokensAsync());

        await run.SendAsync(StreamNamespaces.Pairs, run.Partition(0), new PairBatch("batch-r", pairs));
        await annotated.Items.AtLeastAsync(b => b.Id == "batch-r", 2, "the annotated batch batch-r, delivered again");

        Assert.Equal(keys, await run.Stores.FeatureStats.KeysAsync(ct));
        Assert.Equal(tokens, await TokensAsync());
        Assert.Equal(6, await run.Reference().AnnotatedAsync());

        async Task<List<long>> TokensAsync() => [.. await Task.WhenAll(keys.Select(async k => (await run.Stores.FeatureStats.GetAsync(k, ct))!.TotalTokens))];
    }
}
