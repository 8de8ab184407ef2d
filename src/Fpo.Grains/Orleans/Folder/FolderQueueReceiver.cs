using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// Reads one folder queue for Orleans' pulling agent. An empty queue is waited on for up to the poll interval; an append
/// ends the wait at once, so delivery does not wait for the agent's next timer tick. A finished delivery ends it soon
/// (<see cref="FolderQueue.DeliveryGrace"/>), because the agent reports records delivered (once every consumer cursor
/// has moved past them) only between two reads. Records are acknowledged only when the agent reports them delivered.
/// </summary>
internal sealed class FolderQueueReceiver(FolderStreamQueues queues, FolderQueue queue, TimeSpan pollInterval) : IQueueAdapterReceiver
{
    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var records = queue.Take(maxCount);
        if (records.Count == 0)
        {
            await queue.WaitAsync(pollInterval, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested) return [];
            records = queue.Take(maxCount);
        }
        var batches = new List<IBatchContainer>(records.Count);
        foreach (var record in records)
        {
            if (queues.Open(queue, record) is { } batch) batches.Add(batch);
        }
        return batches;
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages)
    {
        queue.Acknowledge(messages.OfType<FolderBatchContainer>().Select(m => m.Token.SequenceNumber));
        return Task.CompletedTask;
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => MessagesDeliveredAsync(messages);

    /// <summary>Nothing to flush: what was not acknowledged stays in the file and is delivered again after a restart.</summary>
    public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;
}
