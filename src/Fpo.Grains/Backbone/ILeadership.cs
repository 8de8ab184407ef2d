namespace Fpo.Grains.Backbone;

/// <summary>
/// A claim to a role that exactly one process of a run may hold at a time (the trainer, the prompt source). Held until
/// disposed or until the backbone loses it (the PostgreSQL session that holds the advisory lock died, e.g. in a network
/// split): then <see cref="Lost"/> is cancelled and the holder must stop acting in the role. Losing it is not the only
/// guard: the snapshot store's compare-and-set still rejects a zombie that has not noticed yet.
/// </summary>
public interface ILeadership : IAsyncDisposable
{
    /// <summary>The role this claim is for (e.g. "trainer").</summary>
    string Role { get; }

    /// <summary>Cancelled when the claim is lost; never cancelled by a clean dispose.</summary>
    CancellationToken Lost { get; }
}
