using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Merged statistics equal merging directly; a delta id counts once, also after reopening.</summary>
public sealed class EmbeddedFeatureStatsTests : RunFolder
{
    internal static FeatureStatistics Delta(int seed)
    {
        var random = new Random(seed);
        var stats = new FeatureStatistics(latents: 16, topN: 3, contextRadius: 2);
        for (var s = 0; s < 4; s++)
        {
            const int T = 6;
            var tokens = Enumerable.Range(0, T).Select(_ => random.Next(100)).ToArray();
            var rowStart = new int[T + 1];
            var latents = new List<int>();
            var values = new List<float>();
            for (var t = 0; t < T; t++)
            {
                foreach (var j in Enumerable.Range(0, 16).Where(_ => random.NextDouble() < 0.3))
                {
                    latents.Add(j);
                    values.Add(random.Next(1, 100) / 10f);
                }
                rowStart[t + 1] = latents.Count;
            }
            stats.AddSequence(seed * 10 + s, tokens, rowStart, [.. latents], [.. values]);
        }
        return stats;
    }

    private static byte[] Bytes(FeatureStatistics? stats) => FeatureStatisticsFormat.Serialize(stats!);

    [Fact]
    public async Task MergingDeltasEqualsMergingDirectlyAndARepeatedDeltaIdIsIgnoredAcrossReopening()
    {
        var policy = new FeatureStatsKey(3, FeatureSide.Policy);
        var reference = new FeatureStatsKey(3, FeatureSide.Reference);
        var early = new FeatureStatsKey(1, FeatureSide.Reference);
        await using (var stores = EmbeddedRunStores.Open(Folder))
        {
            var store = stores.FeatureStats;
            Assert.Null(await store.GetAsync(policy, Ct));
            Assert.True(await store.MergeAsync(policy, "rollout-0/batch-1", Delta(1), Ct));
            Assert.True(await store.MergeAsync(policy, "rollout-1/batch-1", Delta(2), Ct));
            Assert.False(await store.MergeAsync(policy, "rollout-0/batch-1", Delta(1), Ct));
            Assert.True(await store.MergeAsync(reference, "rollout-0/batch-1", Delta(3), Ct));
            Assert.True(await store.MergeAsync(early, "x", Delta(4), Ct));
            Assert.Equal(Bytes(FeatureStatistics.Merge(Delta(1), Delta(2))), Bytes(await store.GetAsync(policy, Ct)));
            (await store.GetAsync(policy, Ct))!.MergeFrom(Delta(5));
            Assert.Equal(Bytes(FeatureStatistics.Merge(Delta(1), Delta(2))), Bytes(await store.GetAsync(policy, Ct)));
        }
        await using var reopened = EmbeddedRunStores.Open(Folder);
        var again = reopened.FeatureStats;
        Assert.Equal([early, policy, reference], await again.KeysAsync(Ct));
        Assert.False(await again.MergeAsync(policy, "rollout-1/batch-1", Delta(2), Ct));
        Assert.True(await again.MergeAsync(policy, "rollout-0/batch-2", Delta(6), Ct));
        Assert.Equal(Bytes(FeatureStatistics.Merge(FeatureStatistics.Merge(Delta(1), Delta(2)), Delta(6))), Bytes(await again.GetAsync(policy, Ct)));
        Assert.Equal(Bytes(Delta(3)), Bytes(await again.GetAsync(reference, Ct)));
        Assert.True(File.Exists(Path.Combine(Folder, "features", "v000003-policy.fstats")));
    }

    [Fact]
    public async Task ADeltaOfAnotherShapeIsRefusedAndNotRecorded()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        var key = new FeatureStatsKey(0, FeatureSide.Policy);
        await stores.FeatureStats.MergeAsync(key, "a", Delta(1), Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => stores.FeatureStats.MergeAsync(key, "b", new FeatureStatistics(8, 3, 2), Ct));
        Assert.True(await stores.FeatureStats.MergeAsync(key, "b", Delta(2), Ct));
    }

    [Fact]
    public async Task ATruncatedStatisticsFileIsAnErrorNamingIt()
    {
        await using (var stores = EmbeddedRunStores.Open(Folder))
            await stores.FeatureStats.MergeAsync(new FeatureStatsKey(0, FeatureSide.Policy), "a", Delta(1), Ct);
        var path = Path.Combine(Folder, "features", "v000000-policy.fstats");
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        await File.WriteAllBytesAsync(path, bytes[..^5], Ct);
        var error = Assert.Throws<InvalidDataException>(() => EmbeddedRunStores.Open(Folder));
        Assert.Contains("v000000-policy.fstats", error.Message, StringComparison.Ordinal);
    }
}
