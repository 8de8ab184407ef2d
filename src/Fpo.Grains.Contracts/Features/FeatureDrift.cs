using Fpo.Sae.Statistics;
using Orleans;

namespace Fpo.Grains.Contracts;

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
/// This is the FPO loss's D_fpo with the pooling taken over every response token of the snapshot at once instead of per
/// response: the drift of the snapshot's feature usage as a whole. (The evaluator's feature_drift is the mean of the
/// per-response D_fpo on held-out prompts; the two agree when responses pool alike, and differ in general.)
/// <para>
/// Sharded (<see cref="IFeatureStatsGrain"/>): each shard computes its latents' rows (<see cref="Shard"/>) and its
/// per-side top-k candidates for I_k; <see cref="Combine"/> merges them. Every latent's mean is divided by the same
/// side total N in every shard, so the top-k of the union of the shards' top-k is the global top-k, and the rows and
/// D_fpo (summed in latent order) come out bit for bit as <see cref="Compute"/> of the whole statistics.
/// </para>
/// </summary>
public static class FeatureDrift
{
    public const double RatioEpsilon = 1e-4;

    /// <summary>Every latent active on either side, by latent id; a missing side counts as no activity.</summary>
    public static SnapshotFeatures Compute(long version, FeatureStatistics? policy, FeatureStatistics? reference, int k) =>
        Combine(version, k, [Shard(policy, reference, k)]);

    /// <summary>
    /// The rows of the latents active in <paramref name="policy"/> or <paramref name="reference"/> (slices of one shard's
    /// latents, or the whole), without their contribution to D_fpo, and each side's k latents of largest mean.
    /// </summary>
    public static FeatureShardDrift Shard(FeatureStatistics? policy, FeatureStatistics? reference, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var latents = (policy?.ActiveLatents ?? []).Union(reference?.ActiveLatents ?? []).Order().ToArray();
        var rows = new LatentDrift[latents.Length];
        for (var i = 0; i < latents.Length; i++)
        {
            var j = latents[i];
            var (fp, mp, ap, np) = Of(policy, j);
            var (fr, mr, ar, nr) = Of(reference, j);
            rows[i] = new LatentDrift(j, np, nr, fp, fr, mp, mr, ap, ar, (fp + RatioEpsilon) / (fr + RatioEpsilon), mp - mr, 0, false);
        }
        return new FeatureShardDrift(policy?.TotalTokens ?? 0, reference?.TotalTokens ?? 0, rows, TopK(policy, k), TopK(reference, k));
    }

    /// <summary>
    /// The table of a snapshot from its shards' parts in latent order (shard 0 first): I_k from the shards' top-k
    /// candidates, each row's contribution, and D_fpo summed over the rows in latent order as <see cref="Compute"/> sums it.
    /// </summary>
    public static SnapshotFeatures Combine(long version, int k, IReadOnlyList<FeatureShardDrift> shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (shards.Select(s => (s.PolicyTokens, s.ReferenceTokens)).Distinct().Count() > 1)
            throw new ArgumentException($"the shards of snapshot {version} saw different token totals: " +
                string.Join(", ", shards.Select(s => $"{s.PolicyTokens}/{s.ReferenceTokens}")), nameof(shards));
        var set = Top(shards.SelectMany(s => s.PolicyTop), k).Union(Top(shards.SelectMany(s => s.ReferenceTop), k)).Select(x => x.Latent).ToHashSet();
        var rows = shards.SelectMany(s => s.Rows).ToArray();
        double drift = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            if (i > 0 && rows[i].Latent <= rows[i - 1].Latent)
                throw new ArgumentException($"the shards' rows of snapshot {version} are not in latent order ({rows[i - 1].Latent} before {rows[i].Latent})", nameof(shards));
            var r = rows[i];
            var contribution = set.Contains(r.Latent) ? r.MeanDifference * r.MeanDifference / set.Count : 0;
            drift += contribution;
            rows[i] = r with { DriftContribution = contribution, InFeatureSet = set.Contains(r.Latent) };
        }
        return new SnapshotFeatures(version, shards.Count > 0 ? shards[0].PolicyTokens : 0, shards.Count > 0 ? shards[0].ReferenceTokens : 0, k, set.Count, drift, rows);
    }

    /// <summary>f_j, c̄_j, the mean when active and n_j of one latent on one side.</summary>
    public static (double Frequency, double Mean, double MeanWhenActive, long Count) Of(FeatureStatistics? stats, int latent)
    {
        if (stats is null || stats.TotalTokens == 0 || stats[latent] is not { } s) return (0, 0, 0, 0);
        return ((double)s.Count / stats.TotalTokens, s.Sum / stats.TotalTokens, s.MeanWhenActive, s.Count);
    }

    // The k latents of largest S_j > 0 (the order of c̄_j = S_j / N, N being the same for every latent of a side), ties to the lower index.
    private static LatentMass[] TopK(FeatureStatistics? stats, int k) => stats is null || stats.TotalTokens == 0 ? []
        : [.. Top(stats.ActiveLatents.Select(j => new LatentMass(j, stats[j]!.Sum)).Where(x => x.Sum > 0), k)];

    private static IEnumerable<LatentMass> Top(IEnumerable<LatentMass> candidates, int k) => candidates.OrderByDescending(x => x.Sum).ThenBy(x => x.Latent).Take(k);
}

/// <summary>One latent's row of <see cref="FeatureDrift"/>: counts, frequencies and means per side, and the drift terms.</summary>
[GenerateSerializer, Immutable, Alias("fpo.LatentDrift")]
public sealed record LatentDrift(
    [property: Id(0)] int Latent,
    [property: Id(1)] long PolicyCount,
    [property: Id(2)] long ReferenceCount,
    [property: Id(3)] double PolicyFrequency,
    [property: Id(4)] double ReferenceFrequency,
    [property: Id(5)] double PolicyMean,
    [property: Id(6)] double ReferenceMean,
    [property: Id(7)] double PolicyMeanWhenActive,
    [property: Id(8)] double ReferenceMeanWhenActive,
    [property: Id(9)] double FrequencyRatio,
    [property: Id(10)] double MeanDifference,
    [property: Id(11)] double DriftContribution,
    [property: Id(12)] bool InFeatureSet);

/// <summary>A snapshot's feature table: tokens per side, k, |I_k|, the pooled D_fpo and one row per latent active on either side.</summary>
public sealed record SnapshotFeatures(long Version, long PolicyTokens, long ReferenceTokens, int K, int FeatureSetSize, double Drift, IReadOnlyList<LatentDrift> Latents);

/// <summary>
/// One shard's part of <see cref="SnapshotFeatures"/>: the token totals per side (the same in every shard), its active
/// latents' rows without their contribution to D_fpo, and per side its k latents of largest activation sum.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.FeatureShardDrift")]
public sealed record FeatureShardDrift(
    [property: Id(0)] long PolicyTokens,
    [property: Id(1)] long ReferenceTokens,
    [property: Id(2)] IReadOnlyList<LatentDrift> Rows,
    [property: Id(3)] IReadOnlyList<LatentMass> PolicyTop,
    [property: Id(4)] IReadOnlyList<LatentMass> ReferenceTop);

/// <summary>Latent <see cref="Latent"/>'s activation sum S_j on one side.</summary>
[GenerateSerializer, Immutable, Alias("fpo.LatentMass")]
public sealed record LatentMass([property: Id(0)] int Latent, [property: Id(1)] double Sum);
