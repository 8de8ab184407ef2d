using Orleans.Runtime;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// Orleans' view of the folder queues: producers append through it, and each pulling agent reads one queue through a
/// <see cref="FolderQueueReceiver"/>. Not rewindable: a consumer cannot ask for records from before its subscription.
/// </summary>
internal sealed class FolderQueueAdapter(FolderStreamQueues queues, TimeSpan pollInterval) : IQueueAdapter
{
    public string Name => queues.Name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    /// <summary>Returns once the events are in their queue's file (written to the OS), so a process kill cannot lose them.</summary>
    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
            throw new ArgumentException($"folder stream provider '{Name}' numbers records itself and takes no producer token; produce without one", nameof(token));
        var payload = queues.Serialize(new FolderStreamMessage([.. events.Cast<object?>()], requestContext));
        queues.Queue(streamId).Append(streamId, payload);
        return Task.CompletedTask;
    }

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new FolderQueueReceiver(queues, queues.Queue(queueId), pollInterval);
}
