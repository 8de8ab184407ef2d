namespace Fpo.Grains.Hosting;

/// <summary>
/// Records waiting on the data path's streams, per stream namespace (a record is one batch of the stage before it):
/// what status pages show and the autoscalers read. The silo's stream provider answers it: the run folder's queues in
/// the embedded run, the PostgreSQL queue table in a cluster.
/// </summary>
public interface IStreamBacklog
{
    Task<IReadOnlyDictionary<string, long>> PendingAsync(CancellationToken cancellationToken);
}
