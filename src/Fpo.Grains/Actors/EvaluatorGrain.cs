using Orleans.Runtime;
using Orleans;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Loop;
using Fpo.Grains.Runs;
using Fpo.Grains.Work;
using Orleans.BroadcastChannel;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="IEvaluatorGrain"/> around <see cref="SnapshotEvaluator"/> on a frozen copy of snapshot 0. Announcements
/// note the newest version; a timer scores it when it is newer than the last scored (so a slow evaluator skips the
/// versions in between), appends the evaluation to the run journal and keeps its position in grain state, so a
/// reactivated evaluator neither repeats nor misses the newest snapshot.
/// </summary>
[RolePlacement(RoleNames.Evaluator)]
[ImplicitChannelSubscription(ChannelNamespaces.EvaluatorSnapshots)]
public sealed class EvaluatorGrain(
    RunCatalog runs,
    ComputeTurns turns,
    RunEvents events,
    [PersistentState("evaluator", FpoProviders.Storage)] IPersistentState<EvaluatorState> state) : Grain, IEvaluatorGrain, IOnBroadcastChannelSubscribed, IRemindable
{
    private static readonly TimeSpan Check = TimeSpan.FromMilliseconds(500);

    private RunContext _run = null!;
    private SnapshotEvaluator _evaluator = null!;
    private long _wanted = -1;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _run = await runs.GetAsync(this.GetPrimaryKeyString(), cancellationToken).ConfigureAwait(true);
        var assets = _run.Assets;
        var initial = await _run.Stores.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(true);
        _evaluator = new SnapshotEvaluator(assets.InitialPolicy.Config, LoopGrains.Frozen(assets.InitialPolicy.Config, initial), assets.Tokenizer,
            assets.PromptEncoder, assets.Sae, assets.EvaluatorJudge, assets.HeldOutPrompts, _run.Settings.Evaluator, judgeIsTrainingJudge: assets.EvaluationJudge is null);
        _wanted = (await _run.Stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(true))?.Version ?? -1;
        this.RegisterGrainTimer(EvaluateNewestAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Check) { KeepAlive = true });
    }

    public Task OnSubscribed(IBroadcastChannelSubscription streamSubscription) =>
        streamSubscription.Attach<SnapshotAnnouncement>(a =>
        {
            _wanted = Math.Max(_wanted, a.Version);
            return Task.CompletedTask;
        }, _ => Task.CompletedTask);

    public Task StartAsync() => KeepAlive.RegisterAsync(this);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<SnapshotEvaluation?> LatestAsync() => Task.FromResult(state.State.Latest);

    public async Task<SnapshotEvaluation> EvaluateAsync(long version)
    {
        var content = await _run.Stores.Snapshots.GetAsync(version, _run.Abandoned).ConfigureAwait(true);
        var result = await turns.RunAsync(() => _evaluator.EvaluateAsync(content, _run.Abandoned)).ConfigureAwait(true);
        await GrainJournal.EvaluationAsync(_run.Stores, result, _run.Abandoned).ConfigureAwait(true);
        if (result.Version > state.State.LastVersion)
        {
            state.State.LastVersion = result.Version;
            state.State.Latest = result;
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        events.OnEvaluated(_run.RunId, result);
        // Sent whatever this silo's config says of a budget: in a cluster the trainer's silo holds it, and a trainer without a controller ignores it.
        await GrainFactory.GetGrain<ITrainerGrain>(_run.RunId).ObserveKlAsync(result.Version, result.KlPerToken).ConfigureAwait(true);
        return result;
    }

    private async Task EvaluateNewestAsync(CancellationToken cancellationToken)
    {
        if (_wanted > state.State.LastVersion) await EvaluateAsync(_wanted).ConfigureAwait(true);
    }
}

/// <summary>The newest snapshot the evaluator scored, and its evaluation.</summary>
[GenerateSerializer, Alias("fpo.EvaluatorState")]
public sealed class EvaluatorState
{
    [Id(0)] public long LastVersion { get; set; } = -1;
    [Id(1)] public SnapshotEvaluation? Latest { get; set; }
}
