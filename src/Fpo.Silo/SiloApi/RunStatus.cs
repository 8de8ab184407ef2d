namespace Fpo.Silo.SiloApi;

/// <summary>
/// A run's state for the status endpoint and the metrics: the newest snapshot, counters, queue depths per stream, throughput, judge abstentions, the last trainer step and the last evaluation. Counters a view cannot know
/// (a separate API silo sees streams, not grains) are null.
/// </summary>
public sealed record RunStatus(
    string RunId,
    string State,
    double ElapsedSeconds,
    long SnapshotVersion,
    long? TrainerSteps,
    long? PreferencesTrained,
    long PairsProduced,
    double PairsPerMinute,
    long JudgeLabels,
    long JudgeAbstentions,
    long? DroppedStale,
    IReadOnlyList<long> RolloutVersions,
    IReadOnlyDictionary<string, QueueDepth> Queues,
    TrainerStepPoint? LastStep,
    EvaluationPoint? LastEvaluation);

/// <summary>Records (batches) waiting on one stream namespace of the data path, as the silo's stream provider counts them.</summary>
public sealed record QueueDepth(long Pending);

/// <summary>The run states the status reports.</summary>
public static class RunStates
{
    public const string Running = "running";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
    /// <summary>A view without the trainer in its process: it only observes.</summary>
    public const string Observing = "observing";
}
