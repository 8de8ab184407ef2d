using Fpo.Grains.Actors;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Tests.Features;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// FeatureStats grains: 16 latents in shards of 4 over the two silos, each shard answering for its own latents from the
/// run's store, and the fan-out over them giving what the unsharded computation gives on the same statistics.
/// </summary>
[Collection(ActorCollection.Name)]
public sealed class FeatureStatsGrainContractTests(ActorCluster cluster)
{
    private const int Latents = 16, ShardSize = 4, K = 3;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(ActorRun Run, FeatureStatsFanOut FanOut)> StartAsync(string runId)
    {
        var run = await cluster.StartRunAsync(runId, settings: s => s with { FeatureShardSize = ShardSize });
        return (run, FeatureStatsFanOut.Of(cluster.Client, run.Id, Latents, ShardSize));
    }

    // Sequences of random tokens, each with 0 to 3 distinct active latents of random activation; seeds give each side
    // and delta its own mix, so the top-k of each side straddles shards.
    private static FeatureStatistics Random(int seed, int sequences = 6)
    {
        var random = new Random(seed);
        var stats = new FeatureStatistics(Latents, 3, 1);
        for (var q = 0; q < sequences; q++)
        {
            var tokens = Enumerable.Range(0, random.Next(3, 9)).Select(_ => random.Next(100)).ToArray();
            List<int> rowStart = [0], latents = [];
            List<float> values = [];
            foreach (var _ in tokens)
            {
                foreach (var j in Enumerable.Range(0, Latents).OrderBy(_ => random.Next()).Take(random.Next(4)))
                {
                    latents.Add(j);
                    values.Add((float)(random.NextDouble() * 4 + 0.01));
                }
                rowStart.Add(latents.Count);
            }
            stats.AddSequence(seed * 100 + q, tokens, [.. rowStart], [.. latents], [.. values]);
        }
        return stats;
    }

    private static Task MergeAsync(ActorRun run, long version, FeatureSide side, string deltaId, FeatureStatistics delta) =>
        run.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(version, side), deltaId, delta, Ct);

    private static async Task SeedAsync(ActorRun run, long version, int seed)
    {
        await MergeAsync(run, version, FeatureSide.Policy, $"p{version}", Random(seed));
        await MergeAsync(run, version, FeatureSide.Reference, $"r{version}", Random(seed + 1));
    }

    // The unsharded table of what the store holds.
    private static async Task<SnapshotFeatures> WholeAsync(IFeatureStatsStore store, long version) =>
        FeatureDrift.Compute(version, await store.GetAsync(new FeatureStatsKey(version, FeatureSide.Policy), Ct),
            await store.GetAsync(new FeatureStatsKey(version, FeatureSide.Reference), Ct), K);

    private static void AssertSame(SnapshotFeatures expected, SnapshotFeatures actual)
    {
        Assert.Equal((expected.Version, expected.PolicyTokens, expected.ReferenceTokens, expected.K, expected.FeatureSetSize),
            (actual.Version, actual.PolicyTokens, actual.ReferenceTokens, actual.K, actual.FeatureSetSize));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Drift), BitConverter.DoubleToInt64Bits(actual.Drift));
        Assert.Equal(expected.Latents, actual.Latents);
    }

    [Fact]
    public async Task Shards_own_disjoint_ranges_and_their_merged_answers_equal_the_unsharded_computation()
    {
        var (run, fanOut) = await StartAsync("fstats-equal");
        await SeedAsync(run, 1, seed: 11);
        await SeedAsync(run, 2, seed: 21);
        var store = run.Stores.FeatureStats;
        var policy = (await store.GetAsync(new FeatureStatsKey(2, FeatureSide.Policy), Ct))!;
        var reference = (await store.GetAsync(new FeatureStatsKey(2, FeatureSide.Reference), Ct))!;
        var whole = await WholeAsync(store, 2);

        var parts = await Task.WhenAll(Enumerable.Range(0, fanOut.Shards).Select(s => cluster.Client.GetGrain<IFeatureStatsGrain>(GrainKeys.FeatureShard(run.Id, 2, s)).DriftAsync(K)));
        var sharded = await fanOut.SnapshotAsync(2, K);

        Assert.Equal(4, fanOut.Shards);
        for (var s = 0; s < parts.Length; s++) Assert.All(parts[s].Rows, r => Assert.InRange(r.Latent, s * ShardSize, s * ShardSize + ShardSize - 1));
        Assert.Equal(whole.Latents.Select(r => r.Latent), parts.SelectMany(p => p.Rows).Select(r => r.Latent));
        Assert.True(whole.Drift > 0 && whole.FeatureSetSize > K, $"the fixture's I_k has {whole.FeatureSetSize} latents and D_fpo {whole.Drift}");
        AssertSame(whole, sharded);
        AssertSame(whole, await new InProcessFeatureShards(store, ShardSize).FanOut(Latents).SnapshotAsync(2, K));

        var shifts = policy.ActiveLatents.Union(reference.ActiveLatents)
            .Select(j => new LatentShift(j, FeatureDrift.Of(policy, j).Mean, FeatureDrift.Of(reference, j).Mean));
        Assert.Equal(LatentShift.Top(shifts, 5), await fanOut.TopShiftsAsync(2, 5));
        var latent = whole.Latents[^1].Latent;
        var (alonePolicy, aloneReference) = await fanOut.LatentAsync(2, latent);
        Assert.Equal([latent], alonePolicy!.ActiveLatents.Union(aloneReference!.ActiveLatents));
        Assert.Equal(policy[latent]?.Histogram.ToArray(), alonePolicy[latent]?.Histogram.ToArray());
        Assert.Equal(reference[latent]?.TopContexts.Select(c => (c.SourceId, c.Position, c.Activation)), aloneReference[latent]?.TopContexts.Select(c => (c.SourceId, c.Position, c.Activation)));
    }

    [Fact]
    public async Task Alerts_from_the_shards_are_one_Benjamini_Hochberg_family_and_equal_the_unsharded_computation()
    {
        var (run, fanOut) = await StartAsync("fstats-alerts");
        // 16 latents at 2% to 20% over 2,000 tokens a snapshot; from version 5 to 6 latent 1 (shard 0) triples, latent 6
        // (shard 1) falls to a third, latent 13 (shard 3) grows 2.5-fold and latent 9 (shard 2) 1.6-fold: significant,
        // yet below the factor, it alerts not but ranks among the tests.
        var frequencies = SyntheticStatistics.LogSpread(Latents, 0.02, 0.2);
        var changed = frequencies.ToArray();
        (changed[1], changed[6], changed[9], changed[13]) = (changed[1] * 3, changed[6] / 3, changed[9] * 1.6, changed[13] * 2.5);
        var before = SyntheticStatistics.Sample(frequencies, 2000, seed: 51);
        var after = SyntheticStatistics.Sample(changed, 2000, seed: 52);
        await MergeAsync(run, 5, FeatureSide.Policy, "p5", before);
        await MergeAsync(run, 6, FeatureSide.Policy, "p6", after);
        var settings = FeatureAlertSettings.Default;

        var whole = FeatureAlerts.Between(5, before, 6, after, settings);
        var sharded = await fanOut.AlertsAsync(5, 6, settings);
        var parts = await Task.WhenAll(Enumerable.Range(0, fanOut.Shards)
            .Select(s => cluster.Client.GetGrain<IFeatureStatsGrain>(GrainKeys.FeatureShard(run.Id, 6, s)).FrequencyTestsSinceAsync(5, settings.FalseDiscoveryRate)));

        Assert.Equal([1, 6, 13], whole.Select(a => a.Latent).Order());
        Assert.Equal(whole, sharded);
        Assert.Equal(whole, await new InProcessFeatureShards(run.Stores.FeatureStats, ShardSize).FanOut(Latents).AlertsAsync(5, 6, settings));
        // BH's m is every latent tested, over all shards: each alert's q is its q in the one family of all 16 p-values,
        // not in its shard's family of 4 (which would give smaller q-values).
        Assert.Equal(Latents, parts.Sum(p => p.Tested));
        for (var s = 0; s < parts.Length; s++) Assert.All(parts[s].Candidates, t => Assert.InRange(t.Latent, s * ShardSize, s * ShardSize + ShardSize - 1));
        var p = Enumerable.Range(0, Latents).Select(j => TwoProportionTest.PValue(before[j]!.Count, 2000, after[j]!.Count, 2000)).ToArray();
        var q = BenjaminiHochberg.QValues(p);
        Assert.Contains(9, parts.SelectMany(t => t.Candidates).Select(t => t.Latent));
        foreach (var alert in sharded)
        {
            Assert.Equal(p[alert.Latent], alert.PValue);
            Assert.Equal(q[alert.Latent], alert.QValue, 1e-15);
            var shard = alert.Latent / ShardSize;
            var perShard = BenjaminiHochberg.QValues(p[(shard * ShardSize)..((shard + 1) * ShardSize)])[alert.Latent % ShardSize];
            Assert.True(perShard < alert.QValue, $"latent {alert.Latent}: q {alert.QValue} over the family, {perShard} in its shard alone");
        }
        Assert.Empty(await fanOut.AlertsAsync(5, 6, settings with { MinTokens = 2001 }));
    }

    [Fact]
    public async Task A_delta_merged_into_the_store_becomes_visible_once_and_a_reactivated_shard_answers_the_same()
    {
        var (run, fanOut) = await StartAsync("fstats-fresh");
        await SeedAsync(run, 3, seed: 31);
        var first = await fanOut.SnapshotAsync(3, K);

        var delta = Random(33, sequences: 3);
        await MergeAsync(run, 3, FeatureSide.Policy, "p3-more", delta);
        var second = await fanOut.SnapshotAsync(3, K);
        await MergeAsync(run, 3, FeatureSide.Policy, "p3-more", delta);
        var redelivered = await fanOut.SnapshotAsync(3, K);

        Assert.Equal(first.PolicyTokens + delta.TotalTokens, second.PolicyTokens);
        AssertSame(await WholeAsync(run.Stores.FeatureStats, 3), second);
        AssertSame(second, redelivered);

        var grains = Enumerable.Range(0, fanOut.Shards).Select(s => cluster.Client.GetGrain<IFeatureStatsGrain>(GrainKeys.FeatureShard(run.Id, 3, s))).ToList();
        foreach (var grain in grains) await cluster.Cluster.DeactivateAsync(grain);
        Assert.All(grains, g => Assert.Null(cluster.HostOf(g)));
        AssertSame(second, await fanOut.SnapshotAsync(3, K));
    }

    [Fact]
    public async Task A_version_without_statistics_is_not_found()
    {
        var (run, fanOut) = await StartAsync("fstats-unknown");
        await SeedAsync(run, 1, seed: 41);

        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => fanOut.SnapshotAsync(99, K));

        Assert.Contains("snapshot 99 has no feature statistics", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shard_keys_and_ranges_round_trip()
    {
        Assert.Equal(("run-a", 12L, 3), GrainKeys.ParseFeatureShard(GrainKeys.FeatureShard("run-a", 12, 3)));
        Assert.Throws<FormatException>(() => GrainKeys.ParseFeatureShard("run-a/3"));
        Assert.Equal(4, FeatureShards.Count(256, FeatureShards.DefaultSize));
        Assert.Equal(3, FeatureShards.Count(10, 4));
        Assert.Equal((8, 10), FeatureShards.Range(2, 4, 10));
        Assert.Equal(2, FeatureShards.Of(9, 4));
    }
}
