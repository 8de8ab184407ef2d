namespace Fpo.Grains.Cluster;

/// <summary>
/// A role a silo runs (<see cref="RoleNames"/>): the grains of one kind, or another long-running service (the HTTP API
/// role is one). The <see cref="RoleHost"/> runs it, elects it first when it is a singleton, and starts it again
/// when it fails or loses its election.
/// </summary>
public abstract class SiloRole
{
    public abstract string Name { get; }

    /// <summary>Whether exactly one silo of a run may run it at a time (<see cref="RoleNames.Singletons"/>).</summary>
    public virtual bool Singleton => RoleNames.Singletons.Contains(Name);

    /// <summary>What the role has done in this silo so far, for the status line (e.g. "48 pairs, serving v3").</summary>
    public abstract string Activity { get; }

    /// <summary>
    /// Runs the role. Returns after <paramref name="stop"/> once the work in hand is finished (a clean stop); throws
    /// <see cref="OperationCanceledException"/> when <paramref name="abort"/> is cancelled (the process is killed, or a
    /// singleton lost its election: then it must stop acting at once). Any other exception ends this run of the role.
    /// </summary>
    public abstract Task RunAsync(RoleContext context, CancellationToken stop, CancellationToken abort);
}
