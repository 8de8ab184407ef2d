using Fpo.Grains.Stores;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Contracts;

/// <summary>A latent whose mean activation moved between the reference and a snapshot's policy on the same responses' prompts.</summary>
public sealed record LatentShift(int Latent, double PolicyMean, double ReferenceMean)
{
    public double Shift => PolicyMean - ReferenceMean;
}

/// <summary>Answers queries about the SAE feature statistics that rollout and reference grains merge into the stores, per snapshot version and side.</summary>
public interface IFeatureStatsGrain
{
    Task<IReadOnlyList<FeatureStatsKey>> KeysAsync(CancellationToken cancellationToken);

    Task<FeatureStatistics?> GetAsync(long version, FeatureSide side, CancellationToken cancellationToken);

    /// <summary>
    /// The <paramref name="count"/> latents whose mean activation per token differs most between the policy of
    /// <paramref name="version"/> and the reference on that version's responses (largest |shift| first); empty when
    /// either side has no statistics yet.
    /// </summary>
    Task<IReadOnlyList<LatentShift>> TopShiftsAsync(long version, int count, CancellationToken cancellationToken);
}
