using Orleans.Runtime;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// Called by Orleans when it stops retrying a record (StreamPullingAgentOptions.MaxEventDeliveryTime ran out before
/// <see cref="FolderStreamOptions.MaxAttempts"/> did, or the consumer timed out rather than threw). Orleans never reports
/// such a record delivered, so without this it would stay pending until a restart delivered it again.
/// </summary>
internal sealed class FolderDeliveryFailureHandler(FolderStreamQueues queues) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        if (sequenceToken is not null) queues.DeliveryAbandoned(streamIdentity, sequenceToken.SequenceNumber);
        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken) =>
        Task.CompletedTask;
}
