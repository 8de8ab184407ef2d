using Fpo.Grains.Contracts;

namespace Fpo.Grains.Runs;

/// <summary>
/// In-process notifications from the grains of this silo to whoever hosts it (the loop's live view and metrics log):
/// a trainer step, an evaluation, a rollout replica switching snapshots, the pairs a rollout batch sampled and a
/// reference batch annotated (e.g. to show sample responses, or to check statistics against the responses they came from). Other processes read the same facts from the
/// run journal. Handlers run on the grain's turn and must be quick and must not throw.
/// </summary>
public sealed class RunEvents
{
    public event Action<string, TrainerStepReport>? Stepped;
    public event Action<string, SnapshotEvaluation>? Evaluated;
    public event Action<string, long>? RolloutSwitched;
    public event Action<string, IReadOnlyList<RolloutPair>>? PairsSampled;
    public event Action<string, IReadOnlyList<RolloutPair>>? PairsAnnotated;

    internal void OnStepped(string runId, TrainerStepReport report) => Stepped?.Invoke(runId, report);

    internal void OnEvaluated(string runId, SnapshotEvaluation evaluation) => Evaluated?.Invoke(runId, evaluation);

    internal void OnRolloutSwitched(string runId, long version) => RolloutSwitched?.Invoke(runId, version);

    internal void OnPairsSampled(string runId, IReadOnlyList<RolloutPair> pairs) => PairsSampled?.Invoke(runId, pairs);

    internal void OnPairsAnnotated(string runId, IReadOnlyList<RolloutPair> pairs) => PairsAnnotated?.Invoke(runId, pairs);
}
