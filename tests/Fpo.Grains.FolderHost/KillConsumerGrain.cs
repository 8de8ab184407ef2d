using Orleans;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.FolderHost;

[Alias("fpo.folder-host.kill-consumer")]
public interface IKillConsumerGrain : IGrainWithStringKey;

/// <summary>Consumes one "kill" stream: every event is written to processed.log before the delivery completes.</summary>
[ImplicitStreamSubscription(Program.Namespace)]
public sealed class KillConsumerGrain(ProcessedLog processed) : Grain, IKillConsumerGrain, IStreamSubscriptionObserver, IAsyncObserver<KillEvent>
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => await handleFactory.Create<KillEvent>().ResumeAsync(this);

    public Task OnNextAsync(KillEvent item, StreamSequenceToken? token = null)
    {
        processed.Processed(item.Number);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
