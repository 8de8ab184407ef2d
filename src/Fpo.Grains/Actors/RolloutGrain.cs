using Orleans;
using System.Globalization;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Runs;
using Fpo.Grains.Work;
using Orleans.BroadcastChannel;
using Orleans.Streams;
using Orleans.Runtime;
using Orleans.Streams.Core;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="IRolloutGrain"/> around <see cref="RolloutWork"/>. A batch is sampled by one policy version: an
/// announcement notes the newest version, and the replica switches in a turn of its own right after it (a replica
/// waiting for prompts then serves the new policy at once), or before the next batch, whichever comes first. Prompts it cannot
/// sample go to the dead letters with the reason; a batch none of whose prompts could be sampled settles at once. A
/// batch whose tally is in the journal was sampled and sent on before, and its redelivery is skipped.
/// </summary>
[RolePlacement(RoleNames.Rollout)]
[ImplicitStreamSubscription(StreamNamespaces.Prompts)]
[ImplicitChannelSubscription(ChannelNamespaces.RolloutSnapshots)]
public sealed class RolloutGrain(RunCatalog runs, ComputeTurns turns, RunEvents events)
    : Grain, IRolloutGrain, IStreamSubscriptionObserver, IOnBroadcastChannelSubscribed
{
    private RunContext _run = null!;
    private RolloutWork _work = null!;
    private readonly HashSet<string> _sampled = new(StringComparer.Ordinal);
    private long _announced = -1, _pairsProduced, _switches, _failed;
    private IGrainTimer? _switchSoon;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (runId, partition) = GrainKeys.ParsePartition(this.GetPrimaryKeyString());
        _run = await runs.GetAsync(runId, cancellationToken).ConfigureAwait(true);
        var assets = _run.Assets;
        _work = new RolloutWork(assets.InitialPolicy.Config, assets.Tokenizer, assets.PromptEncoder, assets.Sae,
            _run.Settings.Rollout with { Seed = _run.Settings.Rollout.Seed + (ulong)partition });
        foreach (var entry in await _run.Stores.Journal.ReadAsync(JournalKinds.RolloutBatch, 0, int.MaxValue, cancellationToken).ConfigureAwait(true))
            _sampled.Add(entry.Id);
        _announced = (await _run.Stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(true))?.Version
            ?? throw new InvalidOperationException($"run {runId}: the snapshot store is empty; the run publishes the initial policy as version 0 first");
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => DataPath.ResumeAsync<PromptBatch>(handleFactory, OnBatchAsync);

    public Task OnSubscribed(IBroadcastChannelSubscription streamSubscription) =>
        streamSubscription.Attach<SnapshotAnnouncement>(a =>
        {
            _announced = Math.Max(_announced, a.Version);
            // A timer turn rather than loading here: the delivery's turn stays short, the load gets a turn of its own.
            _switchSoon ??= this.RegisterGrainTimer(SwitchSoonAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
            return Task.CompletedTask;
        }, _ => Task.CompletedTask);

    private Task SwitchSoonAsync(CancellationToken cancellationToken)
    {
        _switchSoon?.Dispose();
        _switchSoon = null;
        return SwitchAsync();
    }

    public Task<RolloutStatus> StatusAsync() => Task.FromResult(new RolloutStatus(_work.PolicyVersion, _pairsProduced, _switches, _failed));

    private async Task OnBatchAsync(PromptBatch batch, StreamSequenceToken? token)
    {
        _run.Abandoned.ThrowIfCancellationRequested();
        if (_sampled.Contains(batch.Id)) return;
        await SwitchAsync().ConfigureAwait(true);
        var outcome = await turns.RunAsync(() => _work.Sample(batch.Prompts, _run.Abandoned)).ConfigureAwait(true);
        _run.Abandoned.ThrowIfCancellationRequested();
        foreach (var (id, reason) in outcome.Failures)
            await GrainJournal.DeadLetterAsync(_run.Stores, StreamNamespaces.Prompts, id, reason, _run.Abandoned).ConfigureAwait(true);
        _failed += outcome.Failures.Count;
        var tally = new BatchTally(outcome.Pairs.Count, 0, 0, outcome.Failures.Count);
        if (outcome.Pairs.Count == 0)
        {
            await GrainJournal.TallyAsync(_run.Stores, JournalKinds.RolloutBatch, batch.Id, tally, _run.Abandoned).ConfigureAwait(true);
            _sampled.Add(batch.Id);
            await GrainFactory.GetGrain<IPromptSourceGrain>(_run.RunId).SettledAsync(batch.Id).ConfigureAwait(true);
            return;
        }
        if (outcome.Statistics is { } stats)
        {
            // The delta id names the pairs, so a batch redelivered whole merges once.
            var deltaId = $"rollout:{outcome.Pairs[0].Id}:{outcome.Pairs.Count.ToString(CultureInfo.InvariantCulture)}";
            await _run.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(_work.PolicyVersion, FeatureSide.Policy), deltaId, stats, _run.Abandoned).ConfigureAwait(true);
        }
        await this.Stream<PairBatch>(StreamNamespaces.Pairs, this.GetPrimaryKeyString()).OnNextAsync(new PairBatch(batch.Id, outcome.Pairs)).ConfigureAwait(true);
        await GrainJournal.TallyAsync(_run.Stores, JournalKinds.RolloutBatch, batch.Id, tally, _run.Abandoned).ConfigureAwait(true);
        _sampled.Add(batch.Id);
        _pairsProduced += outcome.Pairs.Count;
        events.OnPairsSampled(_run.RunId, outcome.Pairs);
    }

    private async Task SwitchAsync()
    {
        if (_announced == _work.PolicyVersion) return;
        var switching = _work.PolicyVersion >= 0;
        var latest = await _run.Stores.Snapshots.LatestAsync(_run.Abandoned).ConfigureAwait(true);
        var content = await _run.Stores.Snapshots.GetAsync(latest!.Version, _run.Abandoned).ConfigureAwait(true);
        _work.Load(content);
        _announced = Math.Max(_announced, latest.Version);
        if (switching) _switches++;
        await GrainJournal.ServingAsync(_run.Stores, RuntimeIdentity, this.GetPrimaryKeyString(), _work.PolicyVersion, _run.Abandoned).ConfigureAwait(true);
        events.OnRolloutSwitched(_run.RunId, _work.PolicyVersion);
    }
}
