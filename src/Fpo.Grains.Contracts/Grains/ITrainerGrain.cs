using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed by run (one activation per run in the cluster); consumes the run's preference stream. Keeps what it received
/// and has not yet published in a persisted inbox, drops stale preferences with the reason, trains the configured
/// method, and every N steps publishes a snapshot whose lineage names the preferences in it — the commit that consumes
/// them — then announces it.
/// </summary>
[Alias("fpo.ITrainerGrain")]
public interface ITrainerGrain : IGrainWithStringKey
{
    /// <summary>Activates the trainer (resuming from the newest snapshot) and keeps its batch timer running.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>A clean stop: publishes what was trained since the last snapshot; returns the newest version.</summary>
    [Alias("Flush")]
    Task<long> FlushAsync();

    [Alias("Status"), AlwaysInterleave]
    Task<TrainerStatus> StatusAsync();

    /// <summary>
    /// The evaluator measured the held-out KL of snapshot <paramref name="version"/>: with a KL budget the trainer's
    /// controller adapts β (and α) before its next step. One-way, so the evaluator never waits on a training step.
    /// </summary>
    [Alias("ObserveKl"), OneWay]
    Task ObserveKlAsync(long version, double klPerToken);
}
