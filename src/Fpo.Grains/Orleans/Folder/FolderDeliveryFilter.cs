using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// Sees every delivery of a folder record to a consumer grain, because Orleans' failure handler is told only which
/// record failed, never why. A consumer's exception is counted toward <see cref="FolderStreamOptions.MaxAttempts"/> and
/// rethrown so Orleans retries; on the last attempt the record goes to the dead letters with that exception's type and
/// message, and the delivery is reported done so the stream goes on. Consumers need nothing for this but to throw.
/// </summary>
internal sealed class FolderDeliveryFilter(IServiceProvider services) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!IsFolderDelivery(context, out var queues, out var batch))
        {
            await context.Invoke();
            return;
        }
        var sequence = batch.Token.SequenceNumber;
        try
        {
            await context.Invoke();
        }
        catch (Exception error) when (queues.DeliveryFailed(batch.StreamId, sequence, error))
        {
            // The record is in the dead letters now: answer as a delivery would, so the agent moves to the next one.
            context.Result = null;
            return;
        }
        queues.Delivered(batch.StreamId, sequence);
    }

    /// <summary>
    /// Orleans' pulling agent delivers through its internal consumer extension, DeliverBatch(subscription,
    /// QualifiedStreamId, IBatchContainer, handshake token[, cancellation token]); the arguments are found by type, as
    /// their number changed between Orleans versions.
    /// </summary>
    private bool IsFolderDelivery(
        IIncomingGrainCallContext context,
        [NotNullWhen(true)] out FolderStreamQueues? queues,
        [NotNullWhen(true)] out FolderBatchContainer? batch)
    {
        queues = null;
        batch = null;
        var request = context.Request;
        if (request.GetMethodName() != "DeliverBatch") return false;
        string? provider = null;
        for (var i = 0; i < request.GetArgumentCount(); i++)
        {
            switch (request.GetArgument(i))
            {
                case FolderBatchContainer container:
                    batch = container;
                    break;
                case QualifiedStreamId stream:
                    provider = stream.ProviderName;
                    break;
            }
        }
        if (batch is null || provider is null) return false;
        queues = services.GetKeyedService<FolderStreamQueues>(provider);
        return queues is not null;
    }
}
