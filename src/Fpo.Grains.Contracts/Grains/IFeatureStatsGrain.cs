using Fpo.Sae.Statistics;
using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed run/version/shard (<see cref="GrainKeys.FeatureShard"/>): owns the policy and reference statistics of snapshot
/// <c>version</c>'s latents in <see cref="FeatureShards.Range"/> of its shard, loaded from the run's feature-statistics
/// store (where rollout and reference grains merge their deltas once each) and reloaded when the store has merged more
/// since. A query fans out to every shard of a version and merges (<see cref="FeatureStatsFanOut"/>). Every method
/// throws <see cref="KeyNotFoundException"/> when the store has no statistics of the version on either side.
/// </summary>
[Alias("fpo.IFeatureStatsGrain")]
public interface IFeatureStatsGrain : IGrainWithStringKey
{
    /// <summary>The shard's rows of the drift table and its top-<paramref name="k"/> candidates per side for I_k (<see cref="FeatureDrift.Shard"/>).</summary>
    [Alias("Drift"), ReadOnly]
    Task<FeatureShardDrift> DriftAsync(int k);

    /// <summary>Both sides' statistics of <paramref name="latent"/> alone (a side without it has no latents; a missing side is null).</summary>
    [Alias("Latent"), ReadOnly]
    Task<FeatureSides> LatentAsync(int latent);

    /// <summary>The policy side of the shard's latents (null when only the reference has statistics).</summary>
    [Alias("Policy"), ReadOnly]
    Task<FeatureStatistics?> PolicyAsync();

    /// <summary>
    /// <see cref="FeatureAlerts.Shard"/> between the policy of <paramref name="previousVersion"/> (from the same shard of
    /// that version) and this version's: how many of the shard's latents were tested and those with p ≤
    /// <paramref name="falseDiscoveryRate"/>, for the caller to apply Benjamini–Hochberg over every shard at once.
    /// </summary>
    [Alias("FrequencyTestsSince"), ReadOnly]
    Task<FeatureShardTests> FrequencyTestsSinceAsync(long previousVersion, double falseDiscoveryRate);

    /// <summary>
    /// The <paramref name="count"/> latents of the shard whose mean activation per token differs most between the policy
    /// and the reference (largest |shift| first, ties to the lower latent); empty when either side has no tokens.
    /// </summary>
    [Alias("TopShifts"), ReadOnly]
    Task<IReadOnlyList<LatentShift>> TopShiftsAsync(int count);
}

/// <summary>A latent whose mean activation moved between the reference and a snapshot's policy on the same responses' prompts.</summary>
[GenerateSerializer, Immutable, Alias("fpo.LatentShift")]
public sealed record LatentShift([property: Id(0)] int Latent, [property: Id(1)] double PolicyMean, [property: Id(2)] double ReferenceMean)
{
    public double Shift => PolicyMean - ReferenceMean;

    /// <summary>The <paramref name="count"/> largest |shift| first, ties to the lower latent.</summary>
    public static IReadOnlyList<LatentShift> Top(IEnumerable<LatentShift> shifts, int count) =>
        [.. shifts.OrderByDescending(s => Math.Abs(s.Shift)).ThenBy(s => s.Latent).Take(count)];
}

/// <summary>A snapshot's policy and reference statistics (either null when that side has none).</summary>
[GenerateSerializer, Immutable, Alias("fpo.FeatureSides")]
public sealed record FeatureSides([property: Id(0)] FeatureStatistics? Policy, [property: Id(1)] FeatureStatistics? Reference);
