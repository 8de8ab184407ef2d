using Fpo.Sae.Statistics;

namespace Fpo.Grains.Stores;

/// <summary>
/// SAE feature statistics per snapshot version and side (policy or reference), merged from deltas that rollout and
/// reference grains send (across silos through the stores). A delta is applied once: merging a delta id seen before
/// for the same key changes nothing, so a redelivered batch does not count twice. Thread-safe.
/// </summary>
public interface IFeatureStatsStore
{
    /// <summary>Merges <paramref name="delta"/> into the statistics of <paramref name="key"/>; returns false if <paramref name="deltaId"/> was merged before.</summary>
    Task<bool> MergeAsync(FeatureStatsKey key, string deltaId, FeatureStatistics delta, CancellationToken cancellationToken);

    /// <summary>The merged statistics of <paramref name="key"/>, or null if nothing was merged for it.</summary>
    Task<FeatureStatistics?> GetAsync(FeatureStatsKey key, CancellationToken cancellationToken);

    /// <summary>
    /// How many deltas were merged into <paramref name="key"/> (0 for none): it grows with every merge, so a reader that
    /// kept the statistics of one revision knows from this cheap read whether they are still current.
    /// </summary>
    Task<long> RevisionAsync(FeatureStatsKey key, CancellationToken cancellationToken);

    /// <summary>Every key that has statistics, by version then side.</summary>
    Task<IReadOnlyList<FeatureStatsKey>> KeysAsync(CancellationToken cancellationToken);
}
