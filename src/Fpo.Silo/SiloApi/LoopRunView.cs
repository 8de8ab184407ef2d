using Fpo.Grains.Stores;
using Fpo.Grains.Runs;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// <see cref="IRunView"/> of `fpo loop`: the loop runs in this process, so the status comes from the
/// <see cref="LoopHost"/> itself (grain counters, not only stream counts), trainer steps and evaluations are collected
/// as they happen (merged with the journal's, so a resumed run shows its earlier ones), and start and stop act. The
/// runner attaches each <see cref="LoopHost"/> it opens; between runs (stopped through the API) the status falls back
/// to what the backbone shows, and <see cref="StartAsync"/> releases the runner's <see cref="WaitForStartAsync"/>.
/// </summary>
public sealed class LoopRunView : IRunView
{
    private readonly RunTotals _totals;
    private readonly JournalRecords _journal;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, TrainerStepPoint> _steps = [];
    private readonly SortedDictionary<long, SnapshotEvaluation> _evaluations = [];
    private LoopHost? _host;
    private TaskCompletionSource _start = NewSignal();
    private bool _stopRequested;

    public LoopRunView(IRunStores stores, RunModel model)
    {
        Stores = stores;
        Model = model;
        _totals = new RunTotals(stores.Journal);
        _journal = new JournalRecords(stores.Journal);
    }

    public IRunStores Stores { get; }
    public RunModel Model { get; }
    public bool HostsTrainer => true;

    public IServiceProvider? SiloServices
    {
        get
        {
            lock (_gate) return _host?.Services;
        }
    }

    /// <summary>Whether the last run ended because the API asked it to stop (the runner then waits for a start).</summary>
    public bool StoppedThroughApi
    {
        get
        {
            lock (_gate) return _stopRequested;
        }
    }

    /// <summary>Shows <paramref name="host"/> from now on and collects its steps and evaluations.</summary>
    public void Attach(LoopHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Stepped += s =>
        {
            lock (_gate) _steps[s.Step] = TrainerStepPoint.Of(s);
        };
        host.Evaluated += e =>
        {
            lock (_gate) _evaluations[e.Version] = e;
        };
        lock (_gate)
        {
            foreach (var e in host.Evaluations) _evaluations[e.Version] = e;
            _host = host;
            _stopRequested = false;
            _start = NewSignal();
        }
    }

    /// <summary>The attached loop ended; the view shows the backbone until the next <see cref="Attach"/>.</summary>
    public void Detach()
    {
        lock (_gate) _host = null;
    }

    /// <summary>Completes when <see cref="StartAsync"/> is called (or throws when <paramref name="cancellationToken"/> fires).</summary>
    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _start.Task.WaitAsync(cancellationToken);
    }

    public async Task<RunStatus> StatusAsync(CancellationToken cancellationToken)
    {
        LoopHost? host;
        bool stopping;
        lock (_gate) (host, stopping) = (_host, _stopRequested);
        var evaluations = await EvaluationsAsync(cancellationToken).ConfigureAwait(false);
        var last = evaluations.Count > 0 ? EvaluationPoint.Of(evaluations[^1]) : null;
        if (host is not null)
        {
            // Totals come from the journal's batch tallies, as in every other state, so they never fall when a run resumes in this
            // process (Prometheus counters must not); the rate and the trainer's counters are this run's.
            var s = await host.StatusAsync(cancellationToken).ConfigureAwait(false);
            return new RunStatus(Stores.RunId, stopping ? RunStates.Stopping : RunStates.Running, s.Elapsed.TotalSeconds, s.SnapshotVersion, s.TrainerSteps,
                s.Trained, s.PairsProduced, s.PairsPerMinute, s.Labelled, s.Abstentions, s.DroppedStale, s.RolloutVersions,
                s.Queues.ToDictionary(q => q.Key, q => new QueueDepth(q.Value), StringComparer.Ordinal), s.LastStep is { } step ? TrainerStepPoint.Of(step) : null, last);
        }
        var totals = await _totals.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var latest = await Stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false);
        var steps = await TrainerStepsAsync(-1, int.MaxValue, cancellationToken).ConfigureAwait(false);
        return new RunStatus(Stores.RunId, RunStates.Stopped, 0, latest?.Version ?? -1, steps.Count > 0 ? steps[^1].Step : null, null,
            totals.Pairs, 0, totals.Labels, totals.Abstentions, null, [], new Dictionary<string, QueueDepth>(), steps.Count > 0 ? steps[^1] : null, last);
    }

    public async Task<IReadOnlyList<SnapshotEvaluation>> EvaluationsAsync(CancellationToken cancellationToken)
    {
        var journal = await _journal.EvaluationsAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var all = new SortedDictionary<long, SnapshotEvaluation>(_evaluations);
            foreach (var e in journal) all.TryAdd(e.Version, e);
            return [.. all.Values];
        }
    }

    public async Task<IReadOnlyList<TrainerStepPoint>> TrainerStepsAsync(long afterStep, int max, CancellationToken cancellationToken)
    {
        var journal = await _journal.StepsAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var all = new SortedDictionary<long, TrainerStepPoint>(_steps);
            foreach (var s in journal) all.TryAdd(s.Step, s);
            return [.. all.Values.Where(s => s.Step > afterStep).Take(max)];
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_host is not null && !_stopRequested) throw new InvalidOperationException("the loop is already running");
            _start.TrySetResult();
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        LoopHost host;
        lock (_gate)
        {
            host = _host ?? throw new InvalidOperationException("the loop is not running");
            _stopRequested = true;
        }
        host.RequestStop();
        return Task.CompletedTask;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
