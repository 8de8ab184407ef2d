using Fpo.Alignment.Batching;
using Fpo.Alignment.Training;
using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Work;

/// <summary>
/// What a reference grain computes: one forward of the frozen reference over a batch of pairs gives each pair its
/// offline reference data (<see cref="ReferenceComputation"/>: summed and mean log-probs and, with the SAE, the pooled
/// reference features FPO reads) and, from the same forward, the reference-side feature statistics per policy version
/// that generated the pairs.
/// </summary>
public sealed class ReferenceWork
{
    private readonly TransformerModel _reference;
    private readonly ReferenceComputation _computation;
    private readonly SaeWeights? _sae;
    private readonly ResponseFeatures? _features;
    private long _statisticsRows;

    public ReferenceWork(TransformerModel reference, SaeWeights? sae, string? saeId, RolloutSettings statistics)
    {
        _reference = reference;
        _computation = new ReferenceComputation(reference, sae, saeId);
        _sae = sae;
        if (sae is not null && statistics.FeatureStatistics) _features = new ResponseFeatures(sae, statistics.StatisticsTopN, statistics.StatisticsContextRadius);
    }

    /// <summary>The pairs with their reference data, in order, and the reference-side statistics per policy version.</summary>
    public (IReadOnlyList<RolloutPair> Annotated, IReadOnlyDictionary<long, FeatureStatistics> Statistics) Annotate(IReadOnlyList<RolloutPair> pairs)
    {
        var batch = PreferenceBatch.Create([.. pairs.Select(p => p.AsPreference())], _reference.Config.MaxPositions);
        var data = _computation.Compute(batch);
        var annotated = pairs.Select((p, i) => p with { Reference = data[i] }).ToList();
        var statistics = new Dictionary<long, FeatureStatistics>();
        if (_features is null) return (annotated, statistics);
        var resid = _reference.ResidualPost(_sae!.Config.Layer);
        for (var r = 0; r < batch.Rows; r++)
        {
            var version = pairs[r % batch.B].PolicyVersion;
            if (!statistics.TryGetValue(version, out var stats)) statistics[version] = stats = _features.Empty();
            _features.FoldRow(stats, resid, batch, r, 2 * (_statisticsRows + r % batch.B) + r / batch.B);
        }
        _statisticsRows += batch.B;
        return (annotated, statistics);
    }
}
