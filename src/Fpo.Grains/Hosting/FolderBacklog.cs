using Fpo.Grains.Orleans.Folder;

namespace Fpo.Grains.Hosting;

/// <summary><see cref="IStreamBacklog"/> of the folder stream provider: counted in memory as records are appended and acknowledged.</summary>
internal sealed class FolderBacklog(FolderStreamQueues queues) : IStreamBacklog
{
    public Task<IReadOnlyDictionary<string, long>> PendingAsync(CancellationToken cancellationToken) => Task.FromResult(queues.Pending());
}
