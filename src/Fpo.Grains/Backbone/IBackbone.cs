namespace Fpo.Grains.Backbone;

/// <summary>
/// Everything grains share across a run: named streams, the snapshot store, the lineage and the feature statistics. The
/// embedded backbone keeps them in memory with a run folder on disk; the distributed one in PostgreSQL. Grains see
/// only this interface, so both slot in unchanged.
/// </summary>
public interface IBackbone : IRunStores, IAsyncDisposable
{
    /// <summary>A stable id of the run (the run folder's name, or the database's run id).</summary>
    string RunId { get; }

    /// <summary>The stream called <paramref name="name"/>, created on first use; the same instance for the same name.</summary>
    IStream<T> Stream<T>(string name, IRecordCodec<T> codec, StreamSettings? settings = null);

    /// <summary>
    /// One pipeline step: publishes <paramref name="produced"/> to <paramref name="to"/> and acknowledges
    /// <paramref name="consumed"/> from <paramref name="from"/> as a unit (one transaction where the backbone has them;
    /// publish-then-acknowledge otherwise, which is safe because publishing is idempotent by id). Returns the ids
    /// acknowledged (leases that moved on are skipped, as in <see cref="IStream{T}.AcknowledgeAsync"/>).
    /// </summary>
    Task<IReadOnlyList<string>> ForwardAsync<TIn, TOut>(
        IStream<TIn> from, IReadOnlyList<Leased<TIn>> consumed,
        IStream<TOut> to, IReadOnlyList<StreamItem<TOut>> produced,
        CancellationToken cancellationToken);

    /// <summary>
    /// Claims the singleton role <paramref name="role"/> for this process: the claim, or null at once when another
    /// holder has it (the embedded backbone: another claim in this process; PostgreSQL: an advisory lock per run and
    /// role held by another session). Callers that must wait poll.
    /// </summary>
    Task<ILeadership?> TryLeadAsync(string role, CancellationToken cancellationToken);
}
