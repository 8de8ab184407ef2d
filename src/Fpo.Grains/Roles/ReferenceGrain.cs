using Fpo.Grains.Loop;
using System.Globalization;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Work;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Roles;

/// <summary>
/// The polling reference grain of the backbone's runtime around <see cref="ReferenceWork"/>: leases a batch of pairs,
/// annotates it, merges the reference-side statistics and forwards pairs → annotated pairs in one step.
/// </summary>
public sealed class ReferenceGrain : IPollingGrain
{
    private readonly IBackbone _backbone;
    private readonly IStream<RolloutPair> _pairs;
    private readonly IStream<RolloutPair> _annotated;
    private readonly ReferenceWork _work;
    private readonly int _batchSize;
    private readonly LeaseSettings _leases;
    private long _annotatedCount;

    public ReferenceGrain(IBackbone backbone, IStream<RolloutPair> pairs, IStream<RolloutPair> annotated, TransformerModel reference,
        SaeWeights? sae, string? saeId, int batchSize, RolloutSettings statistics, LeaseSettings leases)
    {
        _backbone = backbone;
        _pairs = pairs;
        _annotated = annotated;
        _work = new ReferenceWork(reference, sae, saeId, statistics);
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
        var (annotated, statistics) = _work.Annotate([.. leased.Select(l => l.Value)]);
        foreach (var (version, stats) in statistics)
        {
            var deltaId = $"reference:{leased[0].Id}:{leased.Count.ToString(CultureInfo.InvariantCulture)}";
            await _backbone.FeatureStats.MergeAsync(new FeatureStatsKey(version, FeatureSide.Reference), deltaId, stats, cancellationToken).ConfigureAwait(false);
        }
        var produced = annotated.Select(p => new StreamItem<RolloutPair>(p.Id, p)).ToList();
        await _backbone.ForwardAsync(_pairs, leased, _annotated, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _annotatedCount, produced.Count);
        return true;
    }
}
