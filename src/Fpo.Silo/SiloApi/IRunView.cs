using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// What the silo's HTTP API reads and controls of one run. Two implementations: <see cref="LoopRunView"/> over the
/// in-process loop of `fpo loop` (live counters, start and stop), and <see cref="ClusterRunView"/> over any run stores
/// and its journal alone, for an API silo whose trainer and evaluator run in other processes. Snapshots and feature
/// statistics are read from <see cref="Stores"/> (and the FeatureStats grains) by the API itself, the same way for both.
/// </summary>
public interface IRunView
{
    IRunStores Stores { get; }

    /// <summary>The run's model description, tokenizer, SAE and explanations (what the feature pages and the OpenAI endpoints need).</summary>
    RunModel Model { get; }

    /// <summary>
    /// The services of the Orleans silo that runs the run's grains in this process, which the Orleans dashboard reads;
    /// null when there is none (between runs of `fpo loop`, or an api silo that hosts no grains).
    /// </summary>
    IServiceProvider? SiloServices { get; }

    /// <summary>Whether this process hosts the trainer, so that <see cref="StartAsync"/> and <see cref="StopAsync"/> act.</summary>
    bool HostsTrainer { get; }

    Task<RunStatus> StatusAsync(CancellationToken cancellationToken);

    /// <summary>Every evaluation so far, by version.</summary>
    Task<IReadOnlyList<SnapshotEvaluation>> EvaluationsAsync(CancellationToken cancellationToken);

    /// <summary>Trainer steps after step <paramref name="afterStep"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<TrainerStepPoint>> TrainerStepsAsync(long afterStep, int max, CancellationToken cancellationToken);

    /// <summary>Starts the loop when it is stopped (throws <see cref="InvalidOperationException"/> when this process does not host the trainer).</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Asks the loop for a clean stop (throws <see cref="InvalidOperationException"/> when this process does not host the trainer).</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
