using System.Globalization;
using Fpo.Alignment.Batching;
using Fpo.Alignment.Training;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Roles;

/// <summary>
/// <see cref="IReferenceGrain"/>: runs the frozen reference once over each leased batch of pairs with
/// <see cref="ReferenceComputation"/> (summed and mean log-probs; with the SAE, the pooled reference features FPO reads)
/// and forwards pairs → annotated pairs. From the same forward it folds the reference's SAE codes of the responses
/// into the reference-side statistics of the version that generated them.
/// </summary>
public sealed class ReferenceGrain : IReferenceGrain
{
    private readonly IBackbone _backbone;
    private readonly IStream<RolloutPair> _pairs;
    private readonly IStream<RolloutPair> _annotated;
    private readonly TransformerModel _reference;
    private readonly ReferenceComputation _computation;
    private readonly SaeWeights? _sae;
    private readonly ResponseFeatures? _features;
    private readonly int _batchSize;
    private readonly LeaseSettings _leases;
    private long _annotatedCount;

    public ReferenceGrain(IBackbone backbone, IStream<RolloutPair> pairs, IStream<RolloutPair> annotated, TransformerModel reference,
        SaeWeights? sae, string? saeId, int batchSize, RolloutSettings statistics, LeaseSettings leases)
    {
        _backbone = backbone;
        _pairs = pairs;
        _annotated = annotated;
        _reference = reference;
        _computation = new ReferenceComputation(reference, sae, saeId);
        _sae = sae;
        if (sae is not null && statistics.FeatureStatistics) _features = new ResponseFeatures(sae, statistics.StatisticsTopN, statistics.StatisticsContextRadius);
        _batchSize = batchSize;
        _leases = leases;
    }

    public string Name => "reference";
    public long PairsAnnotated => Interlocked.Read(ref _annotatedCount);

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var leased = await _pairs.LeaseAsync(_batchSize, _leases.Visibility, _leases.Wait, cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0) return false;
        cancellationToken.ThrowIfCancellationRequested();
        var (produced, statistics) = Annotate(leased);
        foreach (var (version, stats) in statistics)
        {
            var deltaId = $"reference:{leased[0].Id}:{leased.Count.ToString(CultureInfo.InvariantCulture)}";
            await _backbone.FeatureStats.MergeAsync(new FeatureStatsKey(version, FeatureSide.Reference), deltaId, stats, cancellationToken).ConfigureAwait(false);
        }
        await _backbone.ForwardAsync(_pairs, leased, _annotated, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _annotatedCount, produced.Count);
        return true;
    }

    // Reference data per pair and reference-side statistics per policy version, from one forward of the reference.
    private (List<StreamItem<RolloutPair>>, Dictionary<long, FeatureStatistics>) Annotate(IReadOnlyList<Leased<RolloutPair>> leased)
    {
        var batch = PreferenceBatch.Create([.. leased.Select(l => l.Value.AsPreference())], _reference.Config.MaxPositions);
        var data = _computation.Compute(batch);
        var produced = leased.Select((l, i) => new StreamItem<RolloutPair>(l.Id, l.Value with { Reference = data[i] })).ToList();
        var statistics = new Dictionary<long, FeatureStatistics>();
        if (_features is null) return (produced, statistics);
        var resid = _reference.ResidualPost(_sae!.Config.Layer);
        var before = PairsAnnotated;
        for (var r = 0; r < batch.Rows; r++)
        {
            var version = leased[r % batch.B].Value.PolicyVersion;
            if (!statistics.TryGetValue(version, out var stats)) statistics[version] = stats = _features.Empty();
            _features.FoldRow(stats, resid, batch, r, 2 * (before + r % batch.B) + r / batch.B);
        }
        return (produced, statistics);
    }
}
