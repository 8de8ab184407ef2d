using Orleans;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Answers a snapshot's feature queries by asking every shard of <see cref="FeatureShards"/> in parallel and merging:
/// the drift table through <see cref="FeatureDrift.Combine"/> (the same table and D_fpo as the unsharded computation),
/// the alerts through <see cref="FeatureAlerts.Combine"/> (one Benjamini–Hochberg family over every shard's tests, so
/// the same alerts and q-values as the unsharded computation), top shifts as the merge of the shards' own (each
/// latent's shift depends on that latent alone). Shards refresh from the store independently, so a delta merged
/// mid-query can reach some shards before others: the drift and alert queries ask again until all shards report the
/// same token totals.
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
        var parts = await AgreeingAsync(version, g => g.DriftAsync(k), p => (p.PolicyTokens, p.ReferenceTokens)).ConfigureAwait(false);
        return FeatureDrift.Combine(version, k, parts);
    }

    /// <summary>Both sides' statistics of <paramref name="latent"/> alone, from the shard that owns it.</summary>
    public Task<FeatureSides> LatentAsync(long version, int latent) => shard(version, FeatureShards.Of(latent, shardSize)).LatentAsync(latent);

    /// <summary><see cref="FeatureAlerts.Between"/> the policies of <paramref name="previousVersion"/> and <paramref name="version"/>, from every shard's tests.</summary>
    public async Task<IReadOnlyList<FeatureAlert>> AlertsAsync(long previousVersion, long version, FeatureAlertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var parts = await AgreeingAsync(version, g => g.FrequencyTestsSinceAsync(previousVersion, settings.FalseDiscoveryRate), p => (p.FromTokens, p.ToTokens)).ConfigureAwait(false);
        return FeatureAlerts.Combine(previousVersion, version, settings, parts);
    }

    /// <summary>The <paramref name="count"/> largest shifts of <paramref name="version"/>: the top of the shards' top <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<LatentShift>> TopShiftsAsync(long version, int count) =>
        LatentShift.Top((await AllAsync(version, g => g.TopShiftsAsync(count)).ConfigureAwait(false)).SelectMany(s => s), count);

    // Every shard's answer, asked again (up to Attempts rounds) until all report the same token totals; the combining
    // step refuses answers that still differ.
    private async Task<T[]> AgreeingAsync<T>(long version, Func<IFeatureStatsGrain, Task<T>> ask, Func<T, (long, long)> totals)
    {
        for (var attempt = 1; ; attempt++)
        {
            var parts = await AllAsync(version, ask).ConfigureAwait(false);
            if (parts.Select(totals).Distinct().Count() <= 1 || attempt == Attempts) return parts;
        }
    }

    private Task<T[]> AllAsync<T>(long version, Func<IFeatureStatsGrain, Task<T>> ask) =>
        Task.WhenAll(Enumerable.Range(0, Shards).Select(s => ask(shard(version, s))));
}
