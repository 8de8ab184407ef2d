using Orleans.Hosting;
using Orleans;
using System.Diagnostics;
using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Cluster;
using Fpo.Grains.Hosting;
using Fpo.Grains.Placement;
using Fpo.Grains.Roles;
using Fpo.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fpo.Grains.Loop;

/// <summary>
/// The embedded run: one in-process Orleans silo hosting every grain of one run, over the run folder's stores. Opening
/// publishes the initial policy as snapshot 0 when the store is empty, registers the run and starts the silo;
/// <see cref="RunAsync"/> starts the trainer, the evaluator and the prompt source, and the data path runs on Orleans
/// streams until a clean stop (the caller, a time limit, or the snapshot limit once that snapshot is evaluated). A clean
/// stop stops the prompts, has the trainer publish what it trained, and stops the silo gracefully; what is still in
/// flight stays in the streams for a resumed run. The kill token abandons the silo at once.
/// </summary>
public sealed class LoopHost : IAsyncDisposable, IDisposable
{
    public const string TrainerFolder = "trainer";

    private readonly IHost _silo;
    private readonly IRunStores _stores;
    private readonly LoopSettings _settings;
    private readonly RunContext _run;
    private readonly LoopMetricsLog _metrics;
    private readonly RunEvents _events;
    private readonly Stopwatch _clock = new();
    private readonly List<SnapshotEvaluation> _evaluations;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abandon;
    private readonly RunTotals _totals;
    private TrainerStepReport? _lastStep;
    private LoopStatus? _final;
    private LoopStop _stop = LoopStop.Requested;
    private bool _disposed;

    private LoopHost(IHost silo, IRunStores stores, LoopSettings settings, RunContext run, CancellationTokenSource abandon, string runDir,
        List<SnapshotEvaluation> evaluations)
    {
        (_silo, _stores, _settings, _run, _abandon, _evaluations) = (silo, stores, settings, run, abandon, evaluations);
        _metrics = new LoopMetricsLog(runDir);
        _totals = new RunTotals(stores.Journal);
        _events = silo.Services.GetRequiredService<RunEvents>();
        _events.Stepped += OnStepped;
        _events.Evaluated += OnEvaluated;
        _events.PairsSampled += OnPairsSampled;
        _events.PairsAnnotated += OnPairsAnnotated;
    }

    public IRunStores Stores => _stores;
    public string RunId => _run.RunId;

    /// <summary>The settings the run was opened with.</summary>
    public LoopSettings Settings => _run.Settings;
    public IGrainFactory Grains => _silo.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's services (what the Orleans dashboard reads).</summary>
    public IServiceProvider Services => _silo.Services;

    /// <summary>Every evaluation of the run (those of earlier sessions from the journal), oldest first.</summary>
    public IReadOnlyList<SnapshotEvaluation> Evaluations
    {
        get
        {
            lock (_evaluations) return [.. _evaluations];
        }
    }

    /// <summary>Raised after each trainer step, on the trainer's turn.</summary>
    public event Action<TrainerStepReport>? Stepped;
    /// <summary>Raised after each evaluation, on the evaluator's turn.</summary>
    public event Action<SnapshotEvaluation>? Evaluated;
    /// <summary>Raised with the pairs of each rollout batch, on the rollout grain's turn.</summary>
    public event Action<IReadOnlyList<RolloutPair>>? PairsSampled;
    /// <summary>Raised with the pairs of each reference batch (with their reference data), on the reference grain's turn.</summary>
    public event Action<IReadOnlyList<RolloutPair>>? PairsAnnotated;

    /// <summary>
    /// Opens the loop on the run stores <paramref name="stores"/> with its run folder <paramref name="runDir"/> (metrics, the
    /// trainer's checkpoints). An empty snapshot store gets the initial policy as version 0. <paramref name="configureSilo"/>
    /// adds what the host process serves from the silo (the API's Orleans dashboard).
    /// </summary>
    public static async Task<LoopHost> OpenAsync(IRunStores stores, LoopAssets assets, LoopSettings settings, string runDir,
        CancellationToken cancellationToken, TimeProvider? time = null, Action<ISiloBuilder>? configureSilo = null)
    {
        _ = time;
        LoopGrains.Check(assets, settings);
        if (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is null)
            await stores.Snapshots.PublishAsync(new SnapshotPublication(0, PolicySnapshot.Files(assets.InitialPolicy), [], 0, """{"initial":true}"""), cancellationToken).ConfigureAwait(false);
        var abandon = new CancellationTokenSource();
        var run = new RunContext(stores.RunId, assets, settings, stores, Path.Combine(runDir, TrainerFolder), abandon.Token);
        var evaluations = await EvaluationsAsync(stores, cancellationToken).ConfigureAwait(false);
        var silo = new HostBuilder()
            .UseOrleans(s =>
            {
                s.AddFpoRuntime().UseEmbeddedProviders(runDir).UseRolePlacement(RoleNames.All);
                configureSilo?.Invoke(s);
            })
            .Build();
        silo.Services.GetRequiredService<RunCatalog>().Register(run);
        silo.Services.GetRequiredService<ComputeTurns>().TakeTurns = settings.TakeTurns;
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        return new LoopHost(silo, stores, settings, run, abandon, runDir, evaluations);
    }

    /// <summary>
    /// Runs until <paramref name="stop"/> (a clean stop), a limit of the settings, or <paramref name="kill"/> (throws
    /// <see cref="OperationCanceledException"/>; work in flight stays in the streams).
    /// </summary>
    public async Task<LoopStop> RunAsync(CancellationToken stop, CancellationToken kill = default)
    {
        _clock.Start();
        using var stopRegistration = stop.Register(() => RequestStop(LoopStop.Requested));
        using var timer = _settings.MaxDuration is { } d ? new Timer(_ => RequestStop(LoopStop.MaxDuration), null, d, Timeout.InfiniteTimeSpan) : null;
        var trainer = Grains.GetGrain<ITrainerGrain>(RunId);
        var evaluator = Grains.GetGrain<IEvaluatorGrain>(RunId);
        var source = Grains.GetGrain<IPromptSourceGrain>(RunId);
        try
        {
            await trainer.StartAsync().WaitAsync(kill).ConfigureAwait(false);
            await evaluator.StartAsync().WaitAsync(kill).ConfigureAwait(false);
            await source.StartAsync().WaitAsync(kill).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, _stopping.Token).WaitAsync(kill).ContinueWith(t => kill.ThrowIfCancellationRequested(), TaskScheduler.Default).ConfigureAwait(false);
            await source.StopAsync().WaitAsync(kill).ConfigureAwait(false);
            var latest = await trainer.FlushAsync().WaitAsync(kill).ConfigureAwait(false);
            // A limit ends the run with the final snapshot scored; a requested stop (Ctrl+C) should be quick, and a
            // resumed run scores the snapshot first thing.
            if (_stop != LoopStop.Requested && (await evaluator.LatestAsync().WaitAsync(kill).ConfigureAwait(false))?.Version < latest)
                await evaluator.EvaluateAsync(latest).WaitAsync(kill).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (kill.IsCancellationRequested)
        {
            await AbandonAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _clock.Stop();
        }
        _final = await StatusAsync(kill).ConfigureAwait(false);
        await _silo.StopAsync(kill).ConfigureAwait(false);
        return _stop;
    }

    /// <summary>Asks for a clean stop: the prompt source stops, the trainer publishes what it trained, and RunAsync returns.</summary>
    public void RequestStop(LoopStop reason = LoopStop.Requested)
    {
        lock (_stopping)
        {
            if (_stopping.IsCancellationRequested) return;
            _stop = reason;
            _stopping.Cancel();
        }
    }

    /// <summary>The run's progress now; after <see cref="RunAsync"/> returned, as it was when the silo stopped.</summary>
    public async Task<LoopStatus> StatusAsync(CancellationToken cancellationToken)
    {
        if (_final is not null) return _final;
        var trainer = await Grains.GetGrain<ITrainerGrain>(RunId).StatusAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var rollouts = await Task.WhenAll(Enumerable.Range(0, _settings.RolloutGrains)
            .Select(p => Grains.GetGrain<IRolloutGrain>(GrainKeys.Partition(RunId, p)).StatusAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        var totals = await _totals.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var minutes = _clock.Elapsed.TotalMinutes;
        var evaluations = Evaluations;
        return new LoopStatus(_clock.Elapsed, trainer.SnapshotVersion, trainer.Step, trainer.Trained, totals.Pairs,
            minutes > 0 ? rollouts.Sum(r => r.PairsProduced) / minutes : 0, totals.Labels, totals.Abstentions,
            trainer.DroppedStale, trainer.Duplicates, trainer.Inbox, [.. rollouts.Select(r => r.PolicyVersion)], await QueuesAsync(cancellationToken).ConfigureAwait(false),
            _lastStep ?? trainer.LastStep, evaluations.Count == 0 ? null : evaluations[^1]);
    }

    private async Task<Dictionary<string, long>> QueuesAsync(CancellationToken cancellationToken)
    {
        var pending = await _silo.Services.GetRequiredService<IStreamBacklog>().PendingAsync(cancellationToken).ConfigureAwait(false);
        return StreamNamespaces.All.ToDictionary(ns => ns, ns => pending.GetValueOrDefault(ns), StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _events.Stepped -= OnStepped;
        _events.Evaluated -= OnEvaluated;
        _events.PairsSampled -= OnPairsSampled;
        _events.PairsAnnotated -= OnPairsAnnotated;
        await AbandonAsync().ConfigureAwait(false);
        _silo.Dispose();
        _metrics.Dispose();
        _stopping.Dispose();
        _abandon.Dispose();
    }

    // A kill: turns in flight write nothing more, and the silo stops without deactivating its grains gracefully — what
    // a killed process would leave behind (a clean stop has already stopped the silo, and this is then a no-op).
    private async Task AbandonAsync()
    {
        await _abandon.CancelAsync().ConfigureAwait(false);
        await _silo.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void OnStepped(string runId, TrainerStepReport report)
    {
        if (runId != RunId) return;
        _lastStep = report;
        _metrics.Write(report);
        Stepped?.Invoke(report);
    }

    private void OnPairsSampled(string runId, IReadOnlyList<RolloutPair> pairs)
    {
        if (runId == RunId) PairsSampled?.Invoke(pairs);
    }

    private void OnPairsAnnotated(string runId, IReadOnlyList<RolloutPair> pairs)
    {
        if (runId == RunId) PairsAnnotated?.Invoke(pairs);
    }

    private void OnEvaluated(string runId, SnapshotEvaluation evaluation)
    {
        if (runId != RunId) return;
        lock (_evaluations)
        {
            _evaluations.RemoveAll(e => e.Version == evaluation.Version);
            _evaluations.Add(evaluation);
        }
        _metrics.Write(evaluation);
        Evaluated?.Invoke(evaluation);
        if (_settings.MaxSnapshots is { } max && evaluation.Version >= max) RequestStop(LoopStop.MaxSnapshots);
    }

    // The run's evaluations so far, from its journal (a resumed run continues its history).
    private static async Task<List<SnapshotEvaluation>> EvaluationsAsync(IRunStores stores, CancellationToken cancellationToken)
    {
        var entries = await stores.Journal.ReadAsync(JournalKinds.Evaluation, 0, int.MaxValue, cancellationToken).ConfigureAwait(false);
        return [.. entries.Select(e => JsonSerializer.Deserialize<SnapshotEvaluation>(e.Json, JournalKinds.Json)!).OrderBy(e => e.Version)];
    }
}
