using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Contracts.Codecs;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Tests.Roles;

public sealed class RolloutGrainTests : GrainTestRun
{
    [Fact]
    public async Task Rollout_switches_to_a_newer_snapshot_between_batches_and_tags_pairs_and_statistics_with_it()
    {
        var assets = TinyLoop.Assets();
        var prompts = Backbone.Stream(StreamNames.Prompts, PromptCodec.Instance);
        var pairs = Backbone.Stream(StreamNames.Pairs, RolloutPairCodec.Instance);
        await prompts.PublishAsync([.. Enumerable.Range(0, 8).Select(i => new StreamItem<PromptRecord>($"prompt-{i}", new PromptRecord($"prompt-{i}", $"the cat {i}")))], Ct);
        await PublishSnapshotsThroughAsync(0);
        var grain = new RolloutGrain("rollout-0", Backbone, prompts, pairs, Policy.Config, TinyLoop.Tokenizer, assets.PromptEncoder, assets.Sae,
            new RolloutSettings { BatchPrompts = 4, MaxNewTokens = 6 }, new LeaseSettings { Wait = TimeSpan.Zero });

        Assert.True(await grain.StepAsync(Ct));
        Assert.Equal(0, grain.PolicyVersion);
        await PublishSnapshotsThroughAsync(1);  // arrives between two batches
        Assert.True(await grain.StepAsync(Ct));

        Assert.Equal((1, 1, 8), (grain.PolicyVersion, grain.SnapshotSwitches, grain.PairsProduced));
        var produced = await pairs.LeaseAsync(16, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], produced.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => p.Value.PolicyVersion));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"pair-prompt-{i}"), produced.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.All(produced, p => Assert.NotEmpty(p.Value.ResponseATokens));
        var keys = await Backbone.FeatureStats.KeysAsync(Ct);
        Assert.Equal([new FeatureStatsKey(0, FeatureSide.Policy), new FeatureStatsKey(1, FeatureSide.Policy)], keys);
        Assert.Equal(8, (await prompts.CountsAsync(Ct)).Acknowledged);
    }
}
