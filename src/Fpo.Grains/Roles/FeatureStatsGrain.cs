using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Roles;

/// <summary><see cref="IFeatureStatsGrain"/> over the backbone's store, where rollout and reference grains merge their deltas.</summary>
public sealed class FeatureStatsGrain(IFeatureStatsStore store) : IFeatureStatsGrain
{
    public Task<IReadOnlyList<FeatureStatsKey>> KeysAsync(CancellationToken cancellationToken) => store.KeysAsync(cancellationToken);

    public Task<FeatureStatistics?> GetAsync(long version, FeatureSide side, CancellationToken cancellationToken) =>
        store.GetAsync(new FeatureStatsKey(version, side), cancellationToken);

    public async Task<IReadOnlyList<LatentShift>> TopShiftsAsync(long version, int count, CancellationToken cancellationToken)
    {
        var policy = await GetAsync(version, FeatureSide.Policy, cancellationToken).ConfigureAwait(false);
        var reference = await GetAsync(version, FeatureSide.Reference, cancellationToken).ConfigureAwait(false);
        if (policy is null || reference is null || policy.TotalTokens == 0 || reference.TotalTokens == 0) return [];
        return [.. policy.ActiveLatents.Union(reference.ActiveLatents)
            .Select(j => new LatentShift(j, Mean(policy, j), Mean(reference, j)))
            .OrderByDescending(s => Math.Abs(s.Shift)).ThenBy(s => s.Latent)
            .Take(count)];
    }

    // Mean activation per token over all tokens (inactive tokens count as 0).
    private static double Mean(FeatureStatistics stats, int latent) => (stats[latent]?.Sum ?? 0) / stats.TotalTokens;
}
