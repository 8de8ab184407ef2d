using Fpo.Grains.Contracts;
using Fpo.Grains.Orleans.Postgres;

namespace Fpo.Grains.Hosting;

/// <summary><see cref="IStreamBacklog"/> of the PostgreSQL stream provider: the unconfirmed messages of the queue table, per namespace.</summary>
internal sealed class PostgresBacklog(PostgresStreamQueues queues) : IStreamBacklog, IAsyncDisposable
{
    public Task<IReadOnlyDictionary<string, long>> PendingAsync(CancellationToken cancellationToken) => queues.PendingAsync(FpoProviders.Streams, cancellationToken);

    public ValueTask DisposeAsync() => queues.DisposeAsync();
}
