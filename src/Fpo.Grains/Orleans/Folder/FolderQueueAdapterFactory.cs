using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>What Orleans' persistent stream provider asks of a queue technology, answered by the folder queues.</summary>
internal sealed class FolderQueueAdapterFactory(FolderStreamQueues queues, FolderStreamOptions options, SimpleQueueAdapterCache cache) : IQueueAdapterFactory
{
    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(new FolderQueueAdapter(queues, options.PollInterval));

    public IQueueAdapterCache GetQueueAdapterCache() => cache;

    public IStreamQueueMapper GetStreamQueueMapper() => queues.Mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult<IStreamFailureHandler>(new FolderDeliveryFailureHandler(queues));
}
