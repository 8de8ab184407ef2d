using System.Diagnostics;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Hosting;
using Fpo.Grains.Runs;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// <see cref="IRunView"/> of a silo that need not host the trainer (the api role of a cluster run): the status from the
/// snapshot store, the journal (trainer steps, evaluations, the versions the rollout grains serve, the pair and label
/// totals of <see cref="RunTotals"/>) and the queue depths of the silo's <see cref="IStreamBacklog"/>; throughput as
/// pairs produced per minute over the last five minutes of status reads (fewer at first). It cannot start or stop the
/// run: the trainer lives elsewhere. Given the silo's services, the Orleans dashboard reads that silo.
/// </summary>
public sealed class ClusterRunView : IRunView
{
    private readonly IStreamBacklog? _backlog;
    private readonly RunTotals _totals;
    private readonly JournalRecords _journal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Queue<(TimeSpan At, long Pairs)> _samples = new();

    /// <param name="silo">The services of the silo in this process (its backlog, the dashboard); null for none: no queue depths.</param>
    public ClusterRunView(IRunStores stores, RunModel model, IServiceProvider? silo = null)
    {
        Stores = stores;
        Model = model;
        SiloServices = silo;
        _backlog = silo?.GetService<IStreamBacklog>();
        _totals = new RunTotals(stores.Journal);
        _journal = new JournalRecords(stores.Journal);
    }

    public IRunStores Stores { get; }
    public RunModel Model { get; }
    public bool HostsTrainer => false;
    public IServiceProvider? SiloServices { get; }

    public async Task<RunStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var pending = _backlog is null ? new Dictionary<string, long>() : await _backlog.PendingAsync(cancellationToken).ConfigureAwait(false);
        var totals = await _totals.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var latest = await Stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false);
        var steps = await _journal.StepsAsync(cancellationToken).ConfigureAwait(false);
        var evaluations = await _journal.EvaluationsAsync(cancellationToken).ConfigureAwait(false);
        var serving = await _journal.RolloutVersionsAsync(cancellationToken).ConfigureAwait(false);
        var pairs = totals.Pairs;
        var depths = StreamNamespaces.All.ToDictionary(ns => ns, ns => new QueueDepth(pending.GetValueOrDefault(ns)), StringComparer.Ordinal);
        return new RunStatus(Stores.RunId, RunStates.Observing, _clock.Elapsed.TotalSeconds, latest?.Version ?? -1,
            steps.Count > 0 ? steps[^1].Step : null, null, pairs, Rate(pairs), totals.Labels, totals.Abstentions, null, serving, depths,
            steps.Count > 0 ? steps[^1] : null, evaluations.Count > 0 ? EvaluationPoint.Of(evaluations[^1]) : null);
    }

    public Task<IReadOnlyList<SnapshotEvaluation>> EvaluationsAsync(CancellationToken cancellationToken) => _journal.EvaluationsAsync(cancellationToken);

    public async Task<IReadOnlyList<TrainerStepPoint>> TrainerStepsAsync(long afterStep, int max, CancellationToken cancellationToken) =>
        [.. (await _journal.StepsAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Step > afterStep).Take(max)];

    public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("this silo does not host the trainer; start the trainer silo instead");

    public Task StopAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("this silo does not host the trainer; stop the trainer silo instead");

    private double Rate(long pairs)
    {
        var now = _clock.Elapsed;
        lock (_gate)
        {
            _samples.Enqueue((now, pairs));
            while (_samples.Count > 1 && now - _samples.Peek().At > Window) _samples.Dequeue();
            var (at, before) = _samples.Peek();
            var minutes = (now - at).TotalMinutes;
            return minutes > 0 ? (pairs - before) / minutes : 0;
        }
    }

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
}
