using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Runs;
using Fpo.Sae.Statistics;
using Orleans;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="IFeatureStatsGrain"/> around a <see cref="FeatureShard"/> of its run's feature-statistics store, on the
/// silos that serve the API. It keeps no grain state: the store is the durable truth (each delta merged once by id,
/// surviving restarts), so a reactivated shard loads its slice again and answers the same. Each query first refreshes
/// the slice when the store merged more deltas since.
/// </summary>
[RolePlacement(RoleNames.Api)]
public sealed class FeatureStatsGrain(RunCatalog runs) : Grain, IFeatureStatsGrain
{
    private string _runId = null!;
    private FeatureShard _shard = null!;
    private CancellationToken _abandoned;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (runId, version, shard) = GrainKeys.ParseFeatureShard(this.GetPrimaryKeyString());
        var run = await runs.GetAsync(runId, cancellationToken).ConfigureAwait(true);
        _runId = runId;
        _abandoned = run.Abandoned;
        _shard = new FeatureShard(run.Stores.FeatureStats, version, shard, run.Settings.FeatureShardSize);
    }

    public Task<FeatureShardDrift> DriftAsync(int k) => _shard.AnswerAsync(s => s.Drift(k), _abandoned);

    public Task<FeatureSides> LatentAsync(int latent) => _shard.AnswerAsync(s => s.Latent(latent), _abandoned);

    public Task<FeatureStatistics?> PolicyAsync() => _shard.AnswerAsync(s => s.Policy, _abandoned);

    public async Task<FeatureShardTests> FrequencyTestsSinceAsync(long previousVersion, double falseDiscoveryRate)
    {
        var previous = await GrainFactory.GetGrain<IFeatureStatsGrain>(GrainKeys.FeatureShard(_runId, previousVersion, _shard.Index)).PolicyAsync().ConfigureAwait(true);
        return await _shard.AnswerAsync(s => s.FrequencyTestsSince(previous, falseDiscoveryRate), _abandoned).ConfigureAwait(true);
    }

    public Task<IReadOnlyList<LatentShift>> TopShiftsAsync(int count) => _shard.AnswerAsync(s => s.TopShifts(count), _abandoned);
}
