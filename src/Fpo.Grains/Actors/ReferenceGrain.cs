using Orleans;
using System.Globalization;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Loop;
using Fpo.Grains.Runs;
using Fpo.Grains.Work;
using Fpo.Alignment.Preferences;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="IReferenceGrain"/> around <see cref="ReferenceWork"/> on a frozen copy of the run's snapshot 0 (not the
/// assets' policy: a resumed run compares against what it started from): annotates each batch of its partition, merges
/// the reference-side statistics and sends the batch to the judge stream of its partition.
/// </summary>
[RolePlacement(RoleNames.Reference)]
[ImplicitStreamSubscription(StreamNamespaces.Pairs)]
public sealed class ReferenceGrain(RunCatalog runs, ComputeTurns turns, RunEvents events) : Grain, IReferenceGrain, IStreamSubscriptionObserver
{
    private RunContext _run = null!;
    private ReferenceWork _work = null!;
    private long _annotated;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _run = await runs.GetAsync(GrainKeys.ParsePartition(this.GetPrimaryKeyString()).RunId, cancellationToken).ConfigureAwait(true);
        var assets = _run.Assets;
        var initial = await _run.Stores.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(true);
        var reference = LoopGrains.Frozen(assets.InitialPolicy.Config, initial);
        _work = new ReferenceWork(reference, assets.Sae, assets.SaeDir is null ? null : ReferenceData.SaeIdOf(assets.SaeDir), _run.Settings.Rollout);
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => DataPath.ResumeAsync<PairBatch>(handleFactory, OnBatchAsync);

    public Task<long> AnnotatedAsync() => Task.FromResult(_annotated);

    private async Task OnBatchAsync(PairBatch batch, StreamSequenceToken? token)
    {
        _run.Abandoned.ThrowIfCancellationRequested();
        var (annotated, statistics) = await turns.RunAsync(() => _work.Annotate(batch.Pairs)).ConfigureAwait(true);
        _run.Abandoned.ThrowIfCancellationRequested();
        foreach (var (version, stats) in statistics)
        {
            var deltaId = $"reference:{batch.Pairs[0].Id}:{batch.Pairs.Count.ToString(CultureInfo.InvariantCulture)}";
            await _run.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(version, FeatureSide.Reference), deltaId, stats, _run.Abandoned).ConfigureAwait(true);
        }
        await this.Stream<PairBatch>(StreamNamespaces.Annotated, this.GetPrimaryKeyString()).OnNextAsync(batch with { Pairs = annotated }).ConfigureAwait(true);
        _annotated += annotated.Count;
        events.OnPairsAnnotated(_run.RunId, annotated);
    }
}
