using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed by run. Scores announced snapshots against the reference on the held-out prompts
/// (<see cref="SnapshotEvaluation"/>); when it falls behind it scores the newest and skips those in between. The
/// reference's responses are sampled once, seeded, and cached.
/// </summary>
[Alias("fpo.IEvaluatorGrain")]
public interface IEvaluatorGrain : IGrainWithStringKey
{
    /// <summary>Activates the evaluator; it scores the newest snapshot not yet scored and then each one announced.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>
    /// Scores snapshot <paramref name="version"/> now. It samples and scores every held-out prompt, which takes far
    /// longer than Orleans' default 30 s response timeout on a busy machine (the final evaluation of a stopping loop
    /// waits behind the one in progress), hence its own.
    /// </summary>
    [Alias("Evaluate"), ResponseTimeout("00:15:00")]
    Task<SnapshotEvaluation> EvaluateAsync(long version);

    /// <summary>The newest evaluation of the run, or null before the first.</summary>
    [Alias("Latest"), AlwaysInterleave]
    Task<SnapshotEvaluation?> LatestAsync();
}
