namespace Fpo.Alignment.Judges;

/// <summary>
/// A pairwise judge: given a context and two responses, the probability that response A is better, or an abstention
/// with its reason. A judge never turns a failure into a label: an error, a timeout, an unparsable answer or a
/// probability too close to 0.5 is an abstention. Implementations are thread-safe.
/// </summary>
public interface IJudge
{
    /// <summary>Short name for logs, metrics and <c>JudgeMetadata.Name</c>.</summary>
    string Name { get; }

    /// <summary>Model behind the judge (server model id, local model folder, or the constitution file); "" if none.</summary>
    string Model { get; }

    /// <summary>Counters every call updates; read them any time.</summary>
    JudgeCounters Counters { get; }

    /// <summary>Judges one pair. Cancellation throws <see cref="OperationCanceledException"/>; every other problem is an abstention.</summary>
    Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken);
}
