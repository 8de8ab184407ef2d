using System.Diagnostics;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Loop;

/// <summary>
/// Wires every grain of shared/DESIGN.md §4 onto one <see cref="IBackbone"/> and runs them concurrently, one task per
/// grain calling its <see cref="IGrain.StepAsync"/> in a loop. Opening a backbone that already holds snapshots resumes
/// the run: the trainer from its checkpoint at the newest snapshot, the streams and lineage from the backbone, the
/// rollout grains from the newest snapshot. A clean stop lets every grain finish the batch in hand and publishes what the
/// trainer trained since its last snapshot (a stop at a limit also evaluates the final snapshot); a kill (the kill token) abandons the
/// batches in hand to their leases, which a resumed run receives again.
/// </summary>
public sealed class LoopHost : IDisposable
{
    public const string TrainerFolder = "trainer";

    private readonly IBackbone _backbone;
    private readonly LoopSettings _settings;
    private readonly PromptSourceGrain _source;
    private readonly List<RolloutGrain> _rollouts;
    private readonly ReferenceGrain _reference;
    private readonly List<JudgeGrain> _judges;
    private readonly TrainerGrain _trainer;
    private readonly EvaluatorGrain _evaluator;
    private readonly RunStreams _streams;
    private readonly LoopMetricsLog _metrics;
    private readonly Stopwatch _clock = new();
    private readonly GrainStepping _stepping;
    private TrainerStepReport? _lastStep;
    private volatile bool _stopping;
    private LoopStop _stop = LoopStop.Requested;

    private LoopHost(IBackbone backbone, LoopSettings settings, PromptSourceGrain source, List<RolloutGrain> rollouts, ReferenceGrain reference,
        List<JudgeGrain> judges, TrainerGrain trainer, EvaluatorGrain evaluator, RunStreams streams, string runDir)
    {
        (_backbone, _settings, _source, _rollouts, _reference, _judges, _trainer, _evaluator, _streams) =
            (backbone, settings, source, rollouts, reference, judges, trainer, evaluator, streams);
        _stepping = new GrainStepping(settings.TakeTurns, settings.Leases.Wait);
        _metrics = new LoopMetricsLog(runDir);
        _trainer.Stepped += s =>
        {
            _lastStep = s;
            _metrics.Write(s);
            Stepped?.Invoke(s);
        };
        _evaluator.Evaluated += e =>
        {
            _metrics.Write(e);
            Evaluated?.Invoke(e);
        };
    }

    public IBackbone Backbone => _backbone;
    public ITrainerGrain Trainer => _trainer;
    public IEvaluatorGrain Evaluator => _evaluator;
    public IReadOnlyList<IRolloutGrain> Rollouts => _rollouts;
    public IReadOnlyList<IJudgeGrain> Judges => _judges;
    public IFeatureStatsGrain FeatureStats => new FeatureStatsGrain(_backbone.FeatureStats);

    /// <summary>Raised after each trainer step (on the trainer's task).</summary>
    public event Action<TrainerStepReport>? Stepped;
    /// <summary>Raised after each evaluation (on the evaluator's task).</summary>
    public event Action<SnapshotEvaluation>? Evaluated;

    /// <summary>
    /// Opens the loop on <paramref name="backbone"/> with its run folder <paramref name="runDir"/> (metrics and the
    /// trainer's checkpoints). An empty snapshot store gets the initial policy as version 0.
    /// </summary>
    public static async Task<LoopHost> OpenAsync(IBackbone backbone, LoopAssets assets, LoopSettings settings, string runDir,
        CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var config = assets.InitialPolicy.Config;
        LoopGrains.Check(assets, settings);
        if (await backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is null)
            await backbone.Snapshots.PublishAsync(new SnapshotPublication(0, PolicySnapshot.Files(assets.InitialPolicy), [], 0, """{"initial":true}"""), cancellationToken).ConfigureAwait(false);
        var streams = RunStreams.Open(backbone);
        var source = LoopGrains.PromptSource(streams, assets, settings);
        var rollouts = Enumerable.Range(0, settings.RolloutGrains).Select(i => LoopGrains.Rollout(i, backbone, streams, assets, settings)).ToList();
        // The reference is the run's snapshot 0, not the assets' policy: a resumed run compares against what it started from.
        var initial = await backbone.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(false);
        var reference = LoopGrains.Reference(backbone, streams, assets, settings, LoopGrains.Frozen(config, initial));
        var judges = Enumerable.Range(0, settings.JudgeGrains).Select(i => LoopGrains.Judge(i, backbone, streams, assets, settings)).ToList();
        var trainer = await LoopGrains.TrainerAsync(backbone, streams, assets, settings, Path.Combine(runDir, TrainerFolder), cancellationToken, time).ConfigureAwait(false);
        var evaluator = LoopGrains.Evaluator(backbone, assets, settings, LoopGrains.Frozen(config, initial));
        return new LoopHost(backbone, settings, source, rollouts, reference, judges, trainer, evaluator, streams, runDir);
    }

    /// <summary>
    /// Runs until <paramref name="stop"/> (a clean stop), a limit of the settings, or <paramref name="kill"/> (throws
    /// <see cref="OperationCanceledException"/>; batches in hand go back through their leases). A grain that fails stops
    /// the others and its exception is rethrown.
    /// </summary>
    public async Task<LoopStop> RunAsync(CancellationToken stop, CancellationToken kill = default)
    {
        _clock.Start();
        using var hard = CancellationTokenSource.CreateLinkedTokenSource(kill);
        using var stopRegistration = stop.Register(() => RequestStop(LoopStop.Requested));
        using var timer = _settings.MaxDuration is { } d ? new Timer(_ => RequestStop(LoopStop.MaxDuration), null, d, Timeout.InfiniteTimeSpan) : null;
        var tasks = new List<Task>
        {
            Run(_source, compute: false, hard.Token),
            Run(_reference, compute: true, hard.Token),
            Run(_trainer, compute: true, hard.Token, () => _settings.MaxSnapshots is { } max && _trainer.SnapshotVersion >= max),
            Run(_evaluator, compute: true, hard.Token),
        };
        tasks.AddRange(_rollouts.Select(r => Run(r, compute: true, hard.Token)));
        tasks.AddRange(_judges.Select(j => Run(j, compute: false, hard.Token)));
        if (_settings.MaxSnapshots is { } maxSnapshots)
            _evaluator.Evaluated += e =>
            {
                if (e.Version >= maxSnapshots) RequestStop(LoopStop.MaxSnapshots);
            };
        try
        {
            while (tasks.Count > 0)
            {
                var done = await Task.WhenAny(tasks).ConfigureAwait(false);
                tasks.Remove(done);
                if (done.IsFaulted)
                {
                    _stopping = true;
                    await hard.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
                    await done.ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _clock.Stop();
        }
        kill.ThrowIfCancellationRequested();
        await _trainer.FlushAsync(kill).ConfigureAwait(false);
        // A limit ends the run with the final snapshot scored; a requested stop (Ctrl+C) should be quick, and a resumed
        // run scores the snapshot first thing.
        var latest = await _backbone.Snapshots.LatestAsync(kill).ConfigureAwait(false);
        if (_stop != LoopStop.Requested && latest is not null && (_evaluator.Latest is null || _evaluator.Latest.Version < latest.Version))
            await _evaluator.EvaluateAsync(latest.Version, kill).ConfigureAwait(false);
        return _stop;
    }

    /// <summary>Asks for a clean stop: every grain finishes its batch in hand and RunAsync returns.</summary>
    public void RequestStop(LoopStop reason = LoopStop.Requested)
    {
        if (_stopping) return;
        _stop = reason;
        _stopping = true;
    }

    public async Task<LoopStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var queues = await _streams.CountsAsync(cancellationToken).ConfigureAwait(false);
        var produced = _rollouts.Sum(r => r.PairsProduced);
        var minutes = _clock.Elapsed.TotalMinutes;
        return new LoopStatus(_clock.Elapsed, _trainer.SnapshotVersion, _trainer.Step, _trainer.Trained, produced,
            minutes > 0 ? produced / minutes : 0, _judges.Sum(j => j.Labelled), _judges.Sum(j => j.Abstained),
            _trainer.DroppedStale, _trainer.Duplicates, [.. _rollouts.Select(r => r.PolicyVersion)], queues, _lastStep, _evaluator.Latest);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _stepping.Dispose();
    }

    // One grain's task: steps until a clean stop (or its own done condition, then idles until the stop).
    private Task Run(IGrain grain, bool compute, CancellationToken token, Func<bool>? done = null) => Task.Run(async () =>
    {
        await _stepping.RunAsync(grain, compute, () => _stopping || (done?.Invoke() ?? false), token).ConfigureAwait(false);
        if (done?.Invoke() ?? false)
            while (!_stopping) await Task.Delay(_settings.Leases.Wait, token).ConfigureAwait(false);
    }, token);
}
