namespace Fpo.Grains.Loop;

/// <summary>
/// A grain of the polling runtime that the Orleans grains replace: it owns its state (models, optimizer, caches) and handles one message — one leased batch — at a time. The
/// loop host calls <see cref="StepAsync"/> over and over from one task per grain; nothing else touches its state.
/// </summary>
public interface IPollingGrain
{
    /// <summary>Names the grain in status and logs, e.g. "rollout-0".</summary>
    string Name { get; }

    /// <summary>
    /// Handles one batch: leases it, processes it and forwards its output. Returns false when there was nothing to do
    /// within the grain's wait. Cancellation throws; a batch in hand is then released or left to its lease, never lost.
    /// </summary>
    Task<bool> StepAsync(CancellationToken cancellationToken);
}
