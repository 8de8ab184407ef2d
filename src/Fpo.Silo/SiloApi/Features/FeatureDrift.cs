using Fpo.Sae.Statistics;

namespace Fpo.Silo.SiloApi.Features;

/// <summary>
/// How a snapshot's policy uses each SAE latent compared with the reference on the same snapshot's responses (the
/// rollout grains fold the policy's activations, the reference grain the reference's, over the same response tokens).
/// With N the tokens a side has seen, n_j the tokens on which latent j was active and S_j the sum of its activations:
/// <code>
/// frequency f_j        = n_j / N
/// mean      c̄_j        = S_j / N                     (mean activation per response token; inactive tokens count 0)
/// ratio     r_j        = (f_j^θ + ε) / (f_j^ref + ε),  ε = 1e-4 (so a latent new to the policy has a finite ratio)
/// mean difference      = c̄_j^θ − c̄_j^ref
/// I_k                  = topk(c̄^θ) ∪ topk(c̄^ref)      (k latents of largest c̄ > 0 per side, ties to the lower index)
/// contribution to D    = (c̄_j^θ − c̄_j^ref)² / |I_k| for j in I_k, else 0
/// D_fpo                = Σ_j contribution_j = (1/|I_k|) Σ_{j∈I_k} (c̄_j^θ − c̄_j^ref)²
/// </code>
/// This is FPO.md's D_fpo with the pooling taken over every response token of the snapshot at once instead of per
/// response: the drift of the snapshot's feature usage as a whole. (The evaluator's feature_drift is the mean of the
/// per-response D_fpo on held-out prompts; the two agree when responses pool alike, and differ in general.)
/// </summary>
public static class FeatureDrift
{
    public const double RatioEpsilon = 1e-4;

    /// <summary>Every latent active on either side, by latent id; a missing side counts as no activity.</summary>
    public static SnapshotFeatures Compute(long version, FeatureStatistics? policy, FeatureStatistics? reference, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var latents = (policy?.ActiveLatents ?? []).Union(reference?.ActiveLatents ?? []).Order().ToArray();
        var rows = new LatentDrift[latents.Length];
        var set = TopK(policy, k).Union(TopK(reference, k)).ToHashSet();
        double drift = 0;
        for (var i = 0; i < latents.Length; i++)
        {
            var j = latents[i];
            var (fp, mp, ap, np) = Of(policy, j);
            var (fr, mr, ar, nr) = Of(reference, j);
            var contribution = set.Contains(j) ? (mp - mr) * (mp - mr) / set.Count : 0;
            drift += contribution;
            rows[i] = new LatentDrift(j, np, nr, fp, fr, mp, mr, ap, ar, (fp + RatioEpsilon) / (fr + RatioEpsilon), mp - mr, contribution, set.Contains(j));
        }
        return new SnapshotFeatures(version, policy?.TotalTokens ?? 0, reference?.TotalTokens ?? 0, k, set.Count, drift, rows);
    }

    /// <summary>f_j, c̄_j, the mean when active and n_j of one latent on one side.</summary>
    public static (double Frequency, double Mean, double MeanWhenActive, long Count) Of(FeatureStatistics? stats, int latent)
    {
        if (stats is null || stats.TotalTokens == 0 || stats[latent] is not { } s) return (0, 0, 0, 0);
        return ((double)s.Count / stats.TotalTokens, s.Sum / stats.TotalTokens, s.MeanWhenActive, s.Count);
    }

    private static IEnumerable<int> TopK(FeatureStatistics? stats, int k) => stats is null || stats.TotalTokens == 0 ? []
        : stats.ActiveLatents.Select(j => (j, m: stats[j]!.Sum)).Where(x => x.m > 0).OrderByDescending(x => x.m).ThenBy(x => x.j).Take(k).Select(x => x.j);
}

/// <summary>One latent's row of <see cref="FeatureDrift"/>: counts, frequencies and means per side, and the drift terms.</summary>
public sealed record LatentDrift(
    int Latent,
    long PolicyCount,
    long ReferenceCount,
    double PolicyFrequency,
    double ReferenceFrequency,
    double PolicyMean,
    double ReferenceMean,
    double PolicyMeanWhenActive,
    double ReferenceMeanWhenActive,
    double FrequencyRatio,
    double MeanDifference,
    double DriftContribution,
    bool InFeatureSet);

/// <summary>A snapshot's feature table: tokens per side, k, |I_k|, the pooled D_fpo and one row per latent active on either side.</summary>
public sealed record SnapshotFeatures(long Version, long PolicyTokens, long ReferenceTokens, int K, int FeatureSetSize, double Drift, IReadOnlyList<LatentDrift> Latents);
