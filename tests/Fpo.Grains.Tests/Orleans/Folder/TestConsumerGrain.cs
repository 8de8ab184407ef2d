using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.Tests.Orleans.Folder;

[Alias("fpo.tests.folder-consumer")]
public interface ITestConsumerGrain : IGrainWithStringKey;

/// <summary>
/// The consumer of every test namespace: records each event in <see cref="Deliveries"/>. On "gated" it first waits for
/// the gate; on "poison" it throws on negative numbers, as a consumer whose work fails would.
/// </summary>
[ImplicitStreamSubscription(Orders), ImplicitStreamSubscription(Gated), ImplicitStreamSubscription(Poison), ImplicitStreamSubscription(Bulk)]
public sealed class TestConsumerGrain(IServiceProvider services) : Grain, ITestConsumerGrain, IStreamSubscriptionObserver
{
    public const string Orders = "orders";
    public const string Gated = "gated";
    public const string Poison = "poison";
    public const string Bulk = "bulk";

    private readonly Deliveries _deliveries = services.GetRequiredService<Deliveries>();

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var stream = handleFactory.StreamId;
        await handleFactory.Create<FolderTestEvent>().ResumeAsync((item, token) => OnNextAsync(stream, item, token!));
    }

    private async Task OnNextAsync(StreamId stream, FolderTestEvent item, StreamSequenceToken token)
    {
        switch (stream.GetNamespace())
        {
            case Gated:
                await _deliveries.GateOpen;
                break;
            case Poison when item.Number < 0:
                _deliveries.Failed(item);
                throw new InvalidOperationException($"cannot handle {item.Number}");
        }
        _deliveries.Record(stream, item, token.SequenceNumber);
    }
}
