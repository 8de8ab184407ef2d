using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// Reads what the trainer and evaluator appended to the run journal (<see cref="JournalKinds"/>: a
/// <see cref="TrainerStepReport"/> per step, a <see cref="SnapshotEvaluation"/> per evaluated version) and the rollout
/// silos' <see cref="RolloutServing"/> records (which snapshot each rollout grain serves), incrementally:
/// each call reads only entries after the last one seen. An entry that does not parse is skipped and its reason kept
/// in <see cref="Problems"/>, so one bad record does not hide the run. Concurrent callers may read the same entries
/// twice; records are keyed by step and version, so that changes nothing.
/// </summary>
public sealed class JournalRecords(IRunJournal journal)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, TrainerStepPoint> _steps = [];
    private readonly SortedDictionary<long, SnapshotEvaluation> _evaluations = [];
    private readonly SortedDictionary<string, long> _serving = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];
    private long _stepsRead, _evaluationsRead, _servingRead;

    /// <summary>Entries that could not be read, one line each (kind, id, why).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate) return [.. _problems];
        }
    }

    public async Task<IReadOnlyList<TrainerStepPoint>> StepsAsync(CancellationToken cancellationToken)
    {
        var read = await ReadAsync(JournalKinds.TrainerStep, Volatile.Read(ref _stepsRead), json =>
        {
            var step = TrainerStepPoint.Of(Parse<TrainerStepReport>(json));
            _steps[step.Step] = step;
        }, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _stepsRead = Math.Max(_stepsRead, read);
            return [.. _steps.Values];
        }
    }

    public async Task<IReadOnlyList<SnapshotEvaluation>> EvaluationsAsync(CancellationToken cancellationToken)
    {
        var read = await ReadAsync(JournalKinds.Evaluation, Volatile.Read(ref _evaluationsRead), json =>
        {
            var evaluation = Parse<SnapshotEvaluation>(json);
            _evaluations[evaluation.Version] = evaluation;
        }, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _evaluationsRead = Math.Max(_evaluationsRead, read);
            return [.. _evaluations.Values];
        }
    }

    /// <summary>The snapshot version each rollout grain of the run serves now, by silo/grain name.</summary>
    public async Task<IReadOnlyList<long>> RolloutVersionsAsync(CancellationToken cancellationToken)
    {
        var read = await ReadAsync(RolloutServing.JournalKind, Volatile.Read(ref _servingRead), json =>
        {
            var serving = Parse<RolloutServing>(json);
            var grain = $"{serving.Silo}/{serving.Grain}";
            _serving[grain] = Math.Max(serving.Version, _serving.GetValueOrDefault(grain, -1));
        }, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _servingRead = Math.Max(_servingRead, read);
            return [.. _serving.Values];
        }
    }

    private Task<long> ReadAsync(string kind, long after, Action<string> add, CancellationToken cancellationToken) =>
        journal.ReadAfterAsync(kind, after, entries =>
        {
            lock (_gate)
                foreach (var e in entries)
                {
                    try
                    {
                        add(e.Json);
                    }
                    catch (JsonException ex)
                    {
                        _problems.Add($"journal {kind} {e.Id} (sequence {e.Sequence}): {ex.Message}");
                    }
                }
        }, cancellationToken);

    private static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, JournalKinds.Json) ?? throw new JsonException($"the entry is JSON null, not a {typeof(T).Name}");
}
