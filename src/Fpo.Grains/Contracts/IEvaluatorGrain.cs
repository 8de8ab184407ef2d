namespace Fpo.Grains.Contracts;

/// <summary>
/// Scores each new snapshot against the reference on the held-out prompts (<see cref="SnapshotEvaluation"/>). The
/// reference's responses are sampled once, seeded, and cached. When it falls behind it scores the newest snapshot and
/// skips those in between.
/// </summary>
public interface IEvaluatorGrain : IGrain
{
    /// <summary>The newest evaluation, or null before the first.</summary>
    SnapshotEvaluation? Latest { get; }

    /// <summary>Every evaluation of this process, oldest first.</summary>
    IReadOnlyList<SnapshotEvaluation> History { get; }

    /// <summary>Raised after each evaluation, on the evaluator's task.</summary>
    event Action<SnapshotEvaluation>? Evaluated;

    /// <summary>Scores snapshot <paramref name="version"/> now (the loop calls it for version 0 at the start).</summary>
    Task<SnapshotEvaluation> EvaluateAsync(long version, CancellationToken cancellationToken);
}
