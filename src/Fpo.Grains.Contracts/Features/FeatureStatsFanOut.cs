using Orleans;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Answers a snapshot's feature queries by asking every shard of <see cref="FeatureShards"/> in parallel and merging:
/// the drift table through <see cref="FeatureDrift.Combine"/> (the same table and D_fpo as the unsharded computation),
/// alerts and top shifts as the merge of the shards' own (each latent's alert or shift depends on that latent alone).
/// Shards refresh from the store independently, so a delta merged mid-query can reach some shards before others: the
/// drift query asks again until all shards report the same token totals.
/// </summary>
/// <param name="shard">The grain (or an in-process stand-in) of shard s of version v.</param>
/// <param name="latents">d_sae.</param>
/// <param name="shardSize">Latents per shard.</param>
public sealed class FeatureStatsFanOut(Func<long, int, IFeatureStatsGrain> shard, int latents, int shardSize)
{
    /// <summary>Rounds of <see cref="SnapshotAsync"/> before deltas arriving faster than the shards answer count as a failure.</summary>
    public const int Attempts = 5;

    public int Latents => latents;

    public int ShardSize => shardSize;

    public int Shards => FeatureShards.Count(latents, shardSize);

    /// <summary>The grains of run <paramref name="runId"/>.</summary>
    public static FeatureStatsFanOut Of(IGrainFactory grains, string runId, int latents, int shardSize)
    {
        ArgumentNullException.ThrowIfNull(grains);
        GrainKeys.CheckRun(runId);
        return new FeatureStatsFanOut((v, s) => grains.GetGrain<IFeatureStatsGrain>(GrainKeys.FeatureShard(runId, v, s)), latents, shardSize);
    }

    /// <summary>The drift table of <paramref name="version"/>; throws <see cref="KeyNotFoundException"/> when it has no statistics.</summary>
    public async Task<SnapshotFeatures> SnapshotAsync(long version, int k)
    {
        for (var attempt = 1; ; attempt++)
        {
            var parts = await AllAsync(version, g => g.DriftAsync(k)).ConfigureAwait(false);
            if (parts.Select(p => (p.PolicyTokens, p.ReferenceTokens)).Distinct().Count() <= 1 || attempt == Attempts)
                return FeatureDrift.Combine(version, k, parts);
        }
    }

    /// <summary>Both sides' statistics of <paramref name="latent"/> alone, from the shard that owns it.</summary>
    public Task<FeatureSides> LatentAsync(long version, int latent) => shard(version, FeatureShards.Of(latent, shardSize)).LatentAsync(latent);

    /// <summary><see cref="FeatureAlerts.Between"/> the policies of <paramref name="previousVersion"/> and <paramref name="version"/>, merged over the shards.</summary>
    public async Task<IReadOnlyList<FeatureAlert>> AlertsAsync(long previousVersion, long version, double factor, double minFrequency, long minTokens) =>
        FeatureAlerts.Ranked((await AllAsync(version, g => g.AlertsSinceAsync(previousVersion, factor, minFrequency, minTokens)).ConfigureAwait(false)).SelectMany(a => a));

    /// <summary>The <paramref name="count"/> largest shifts of <paramref name="version"/>: the top of the shards' top <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<LatentShift>> TopShiftsAsync(long version, int count) =>
        LatentShift.Top((await AllAsync(version, g => g.TopShiftsAsync(count)).ConfigureAwait(false)).SelectMany(s => s), count);

    private Task<T[]> AllAsync<T>(long version, Func<IFeatureStatsGrain, Task<T>> ask) =>
        Task.WhenAll(Enumerable.Range(0, Shards).Select(s => ask(shard(version, s))));
}
