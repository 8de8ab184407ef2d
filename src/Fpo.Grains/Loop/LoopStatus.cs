using Fpo.Grains.Contracts;

namespace Fpo.Grains.Loop;

/// <summary>
/// A live view of a running loop: progress, the run's totals of pairs, labels and abstentions (from the journal, so
/// they survive restarts), this session's pairs per minute, the records waiting per stream, drops, and the latest
/// evaluation.
/// </summary>
public sealed record LoopStatus(
    TimeSpan Elapsed,
    long SnapshotVersion,
    long TrainerSteps,
    long Trained,
    long PairsProduced,
    double PairsPerMinute,
    long Labelled,
    long Abstentions,
    long DroppedStale,
    long Duplicates,
    int TrainerInbox,
    IReadOnlyList<long> RolloutVersions,
    IReadOnlyDictionary<string, long> Queues,
    TrainerStepReport? LastStep,
    SnapshotEvaluation? LatestEvaluation);
