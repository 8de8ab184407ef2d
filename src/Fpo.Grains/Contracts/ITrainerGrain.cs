namespace Fpo.Grains.Contracts;

/// <summary>
/// The one trainer of a run: leases preferences in batches, drops stale ones (policy more than max_policy_lag versions
/// behind), takes steps of the configured method, publishes a snapshot with its lineage every N steps and only then
/// acknowledges the preferences in it, and keeps a checkpoint beside each snapshot for resume.
/// </summary>
public interface ITrainerGrain : IGrain
{
    /// <summary>Optimizer steps taken in the whole run.</summary>
    long Step { get; }

    /// <summary>The newest snapshot version it published or resumed from.</summary>
    long SnapshotVersion { get; }

    /// <summary>Preferences trained on (once each) in the whole run.</summary>
    long Trained { get; }

    /// <summary>Stale preferences dropped by this process.</summary>
    long DroppedStale { get; }

    /// <summary>Redeliveries it recognised and did not train again.</summary>
    long Duplicates { get; }

    /// <summary>Raised after every step, on the trainer's task.</summary>
    event Action<TrainerStepReport>? Stepped;
}
