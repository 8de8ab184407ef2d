namespace Fpo.Grains.Backbone;

/// <summary>
/// A durable queue between grains with at-least-once delivery (what Orleans Streaming provides; kept for the stores' tests until it is deleted). A consumer
/// leases records for a visibility timeout, processes them, then acknowledges them; a record whose lease expires before
/// it is acknowledged is delivered again (to any consumer), with <see cref="Leased{T}.DeliveryCount"/> one higher. A
/// record that failed <see cref="StreamSettings.MaxDeliveries"/> times (explicit <see cref="FailAsync"/> or an expired
/// lease) moves to the dead-letter list with its last error instead. Ids are the idempotency keys: publishing an id the
/// stream has already seen (pending, leased, acknowledged or dead) changes nothing, so a stage that crashes after
/// publishing its output and before acknowledging its input can safely redo the work. Implementations are thread-safe.
/// </summary>
public interface IStream<T>
{
    /// <summary>The stream's name within its backbone (e.g. "pairs", "preferences"); a table or file name.</summary>
    string Name { get; }

    /// <summary>Appends records; ids seen before are ignored. Returns how many were new.</summary>
    Task<int> PublishAsync(IReadOnlyList<StreamItem<T>> items, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="maxCount"/> records that are pending or whose lease expired, oldest first, hidden
    /// from other consumers for <paramref name="visibility"/>. Waits up to <paramref name="wait"/> for at least one to
    /// become available; returns an empty list if none did. Cancellation throws.
    /// </summary>
    Task<IReadOnlyList<Leased<T>>> LeaseAsync(int maxCount, TimeSpan visibility, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>
    /// Marks leased records done. A lease that expired and was handed to someone else is no longer held: it is skipped
    /// (the new holder acknowledges it). Returns the ids that were acknowledged by this call.
    /// </summary>
    Task<IReadOnlyList<string>> AcknowledgeAsync(IReadOnlyList<Leased<T>> records, CancellationToken cancellationToken);

    /// <summary>Pushes the lease deadline of held records to now + <paramref name="visibility"/>; returns the ids still held.</summary>
    Task<IReadOnlyList<string>> ExtendAsync(IReadOnlyList<Leased<T>> records, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a held record back because processing failed with <paramref name="error"/>: it becomes pending again, or
    /// dead-lettered with the error once it has been delivered <see cref="StreamSettings.MaxDeliveries"/> times.
    /// </summary>
    Task FailAsync(Leased<T> record, string error, CancellationToken cancellationToken);

    /// <summary>Records per state, for status pages, metrics and autoscaling.</summary>
    Task<StreamCounts> CountsAsync(CancellationToken cancellationToken);

    /// <summary>Every dead-lettered record with why it died, oldest first.</summary>
    Task<IReadOnlyList<DeadLetter<T>>> DeadLettersAsync(CancellationToken cancellationToken);
}
