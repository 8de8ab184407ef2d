using Orleans.Runtime;
using Orleans;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Runs;
using Fpo.Grains.Work;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="ITrainerGrain"/> around <see cref="TrainerWork"/>. Exactly-once training: a delivered batch is written
/// to the persisted inbox before its delivery completes, so the stream may forget it; a preference leaves the inbox
/// only after the snapshot holding it is published (the lineage is the commit); an activation (after a crash, or on
/// another silo) resumes the policy from the checkpoint of the newest snapshot and retrains whatever the inbox still
/// holds that no snapshot does. Redeliveries of a preference in the inbox or in a snapshot are counted and skipped;
/// stale ones are recorded as dropped with the reason. A batch settles at the prompt source once none of its
/// preferences is left untrained, so the run's work in flight is bounded from prompt to trained step: a producer
/// faster than the trainer waits instead of sampling pairs that would go stale. A publish that loses the version
/// compare-and-set (a second activation during a partition) deactivates this one.
/// </summary>
[RolePlacement(RoleNames.Trainer)]
[ImplicitStreamSubscription(StreamNamespaces.Preferences)]
public sealed class TrainerGrain(
    RunCatalog runs,
    ComputeTurns turns,
    RunEvents events,
    ILogger<TrainerGrain> log,
    [PersistentState("trainer-inbox", FpoProviders.Storage)] IPersistentState<TrainerInbox> inbox) : Grain, ITrainerGrain, IStreamSubscriptionObserver, IRemindable
{
    private static readonly TimeSpan BatchCheck = TimeSpan.FromMilliseconds(500);

    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _untrainedPerBatch = new(StringComparer.Ordinal);
    private RunContext _run = null!;
    private TrainerWork _work = null!;
    private int _trainedInInbox;
    private DateTimeOffset _untrainedSince;
    private long _dropped, _duplicates;
    private bool _superseded;
    private ServedVersions? _served;   // what rollout grains serve, read on from the journal after each publish
    private TrainerStepReport? _lastStep;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _run = await runs.GetAsync(this.GetPrimaryKeyString(), cancellationToken).ConfigureAwait(true);
        var assets = _run.Assets;
        _work = await TrainerWork.OpenAsync(_run.Stores.Snapshots, assets.InitialPolicy.Config, assets.Sae, assets.SaeDir, _run.Settings.Trainer,
            _run.TrainerFolder, cancellationToken).ConfigureAwait(true);
        var kept = new List<InboxEntry>(inbox.State.Received.Count);
        foreach (var entry in inbox.State.Received)
            if (await _run.Stores.Lineage.SnapshotOfAsync(entry.Pair.Id, cancellationToken).ConfigureAwait(true) is null && _ids.Add(entry.Pair.Id))
            {
                kept.Add(entry);
                _untrainedPerBatch[entry.BatchId] = _untrainedPerBatch.GetValueOrDefault(entry.BatchId) + 1;
            }
        inbox.State.Received = kept;
        _untrainedSince = DateTimeOffset.UtcNow;
        this.RegisterGrainTimer(TrainWaitedAsync, new GrainTimerCreationOptions(BatchCheck, BatchCheck) { KeepAlive = true });
        if (log.IsEnabled(LogLevel.Information))
            log.LogInformation("run {Run}: trainer at step {Step}, snapshot {Version}, {Inbox} preferences in its inbox", _run.RunId, _work.Step, _work.SnapshotVersion, kept.Count);
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => DataPath.ResumeAsync<JudgedBatch>(handleFactory, OnBatchAsync);

    public Task StartAsync() => KeepAlive.RegisterAsync(this);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    /// <summary>A graceful deactivation (SIGTERM, a clean stop) publishes what was trained, so nothing trained is redone.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_work is not null && _trainedInInbox > 0 && !_superseded && !cancellationToken.IsCancellationRequested) await PublishAsync().ConfigureAwait(true);
    }

    public async Task<long> FlushAsync()
    {
        if (_trainedInInbox > 0) await PublishAsync().ConfigureAwait(true);
        return _work.SnapshotVersion;
    }

    public Task<TrainerStatus> StatusAsync() => Task.FromResult(new TrainerStatus(
        _work.Step, _work.SnapshotVersion, _work.Trained, _dropped, _duplicates, inbox.State.Received.Count, _lastStep));

    public Task ObserveKlAsync(long version, double klPerToken)
    {
        if (_work.ObserveKl(version, klPerToken) && _work.KlControl is { } c && log.IsEnabled(LogLevel.Debug))
            log.LogDebug("run {Run}: snapshot {Version} KL {Kl:F4} against budget {Budget}: beta {Beta:G4}, alpha {Alpha:G4}", _run.RunId, version, klPerToken, c.Budget, c.Beta, c.Alpha);
        return Task.CompletedTask;
    }

    private int Untrained => inbox.State.Received.Count - _trainedInInbox;

    private bool AtSnapshotLimit => _run.Settings.MaxSnapshots is { } max && _work.SnapshotVersion >= max;

    private async Task OnBatchAsync(JudgedBatch batch, StreamSequenceToken? token)
    {
        _run.Abandoned.ThrowIfCancellationRequested();
        var admitted = 0;
        var seen = _untrainedPerBatch.ContainsKey(batch.Id);
        foreach (var pair in batch.Preferences)
        {
            if (_ids.Contains(pair.Id) || await _run.Stores.Lineage.SnapshotOfAsync(pair.Id, _run.Abandoned).ConfigureAwait(true) is not null)
            {
                _duplicates++;
                continue;
            }
            if (_work.StaleReason(pair) is { } reason)
            {
                await _run.Stores.Lineage.RecordDroppedAsync(pair.Id, reason, _run.Abandoned).ConfigureAwait(true);
                _dropped++;
                continue;
            }
            if (Untrained == 0) _untrainedSince = DateTimeOffset.UtcNow;
            inbox.State.Received.Add(new InboxEntry(batch.Id, pair));
            _ids.Add(pair.Id);
            _untrainedPerBatch[batch.Id] = _untrainedPerBatch.GetValueOrDefault(batch.Id) + 1;
            admitted++;
        }
        if (admitted > 0) await inbox.WriteStateAsync(_run.Abandoned).ConfigureAwait(true);
        else if (!seen) await SettleAsync(batch.Id).ConfigureAwait(true);
        while (Untrained >= _run.Settings.Trainer.Training.BatchSize && !AtSnapshotLimit)
            await TrainAsync(_run.Settings.Trainer.Training.BatchSize).ConfigureAwait(true);
    }

    private async Task TrainWaitedAsync(CancellationToken cancellationToken)
    {
        if (Untrained > 0 && !AtSnapshotLimit && DateTimeOffset.UtcNow - _untrainedSince >= _run.Settings.Trainer.BatchWait)
            await TrainAsync(Math.Min(Untrained, _run.Settings.Trainer.Training.BatchSize)).ConfigureAwait(true);
    }

    private async Task TrainAsync(int count)
    {
        var entries = inbox.State.Received.GetRange(_trainedInInbox, count);
        var report = await turns.RunAsync(() => _work.Train([.. entries.Select(e => e.Pair)])).ConfigureAwait(true);
        _run.Abandoned.ThrowIfCancellationRequested();
        _trainedInInbox += count;
        foreach (var entry in entries)
            if ((_untrainedPerBatch[entry.BatchId] -= 1) == 0)
            {
                _untrainedPerBatch.Remove(entry.BatchId);
                await SettleAsync(entry.BatchId).ConfigureAwait(true);
            }
        _untrainedSince = DateTimeOffset.UtcNow;
        if (_work.Step % _run.Settings.Trainer.SnapshotEvery == 0) report = report with { PublishedVersion = await PublishAsync().ConfigureAwait(true) };
        _lastStep = report;
        await GrainJournal.StepAsync(_run.Stores, report, _run.Abandoned).ConfigureAwait(true);
        events.OnStepped(_run.RunId, report);
    }

    private async Task<long> PublishAsync()
    {
        _run.Abandoned.ThrowIfCancellationRequested();
        var trained = inbox.State.Received.GetRange(0, _trainedInInbox);
        long version;
        try
        {
            version = await _work.PublishAsync(_run.Stores.Snapshots, [.. trained.Select(e => e.Pair.Id)], _run.Abandoned).ConfigureAwait(true);
        }
        catch (SnapshotConflictException e)
        {
            log.LogWarning("run {Run}: another trainer published first ({Message}); this activation stands down", _run.RunId, e.Message);
            // Its steps since the last snapshot are on a policy the run never published: it publishes nothing more, not even on its way out.
            _superseded = true;
            DeactivateOnIdle();
            throw;
        }
        inbox.State.Received.RemoveRange(0, _trainedInInbox);
        foreach (var entry in trained) _ids.Remove(entry.Pair.Id);
        _trainedInInbox = 0;
        await inbox.WriteStateAsync(_run.Abandoned).ConfigureAwait(true);
        await SnapshotAnnouncements.PublishAsync(ServiceProvider, _run, version).ConfigureAwait(true);
        await RetainAsync().ConfigureAwait(true);
        return version;
    }

    // After the announcement, so serving the new snapshot never waits for it. A failed pass costs nothing but space:
    // the next publish tries again.
    private async Task RetainAsync()
    {
        var policy = _run.Settings.Trainer.Retention;
        if (!policy.Enabled || _run.Stores.Snapshots is not ISnapshotRetention retention) return;
        try
        {
            _served ??= new ServedVersions(_run.Stores.Journal);
            var served = await _served.NowAsync(_run.Abandoned).ConfigureAwait(true);
            var removed = await retention.RetainAsync(policy, served, _run.Abandoned).ConfigureAwait(true);
            if (removed.Count > 0 && log.IsEnabled(LogLevel.Information))
                log.LogInformation("run {Run}: retention removed the files of snapshot(s) {Versions}", _run.RunId, string.Join(", ", removed));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("run {Run}: snapshot retention failed ({Message}); the next publish tries again", _run.RunId, e.Message);
        }
    }

    private Task SettleAsync(string batchId) => GrainFactory.GetGrain<IPromptSourceGrain>(_run.RunId).SettledAsync(batchId);
}

/// <summary>What the trainer received and no snapshot holds yet, in arrival order, each with the batch it came in.</summary>
[GenerateSerializer, Alias("fpo.TrainerInbox")]
public sealed class TrainerInbox
{
    [Id(0)] public List<InboxEntry> Received { get; set; } = [];
}

/// <summary>A preference in the trainer's inbox and the batch (of the prompt source) it came in.</summary>
[GenerateSerializer, Immutable, Alias("fpo.InboxEntry")]
public sealed record InboxEntry([property: Id(0)] string BatchId, [property: Id(1)] PreferencePair Pair);
