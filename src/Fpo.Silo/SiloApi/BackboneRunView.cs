using System.Diagnostics;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// <see cref="IRunView"/> of a process that hosts none of the grains (the api role of a distributed run): the status
/// from the stream counts, the snapshot store and the journal (trainer steps, evaluations, the versions the rollout
/// grains serve); throughput as pairs produced per minute over the last
/// five minutes of status reads (fewer at first). It cannot start or stop
/// the run: the trainer lives elsewhere.
/// </summary>
public sealed class BackboneRunView : IRunView
{
    private readonly StreamQueues _queues;
    private readonly JournalRecords _journal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Queue<(TimeSpan At, long Pairs)> _samples = new();

    public BackboneRunView(IBackbone backbone, RunModel model)
    {
        Backbone = backbone;
        Model = model;
        _queues = new StreamQueues(backbone);
        _journal = new JournalRecords(backbone.Journal);
    }

    public IBackbone Backbone { get; }
    public RunModel Model { get; }
    public bool HostsTrainer => false;
    public IServiceProvider? SiloServices => null;

    public async Task<RunStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var counts = await _queues.CountsAsync(cancellationToken).ConfigureAwait(false);
        var latest = await Backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false);
        var steps = await _journal.StepsAsync(cancellationToken).ConfigureAwait(false);
        var evaluations = await _journal.EvaluationsAsync(cancellationToken).ConfigureAwait(false);
        var serving = await _journal.RolloutVersionsAsync(cancellationToken).ConfigureAwait(false);
        var pairs = counts[StreamNames.Pairs].Published;
        var (labels, abstentions) = StreamQueues.Judged(counts);
        return new RunStatus(Backbone.RunId, RunStates.Observing, _clock.Elapsed.TotalSeconds, latest?.Version ?? -1,
            steps.Count > 0 ? steps[^1].Step : null, null, pairs, Rate(pairs), labels, abstentions, null, serving, StreamQueues.Depths(counts),
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
