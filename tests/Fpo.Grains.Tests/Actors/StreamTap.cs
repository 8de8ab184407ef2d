using Fpo.Grains.Contracts;
using Orleans;
using Orleans.Runtime;
using Orleans.Streams;

namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// A test's own subscription to one stream of the data path, from the cluster client: it sees every item the grains
/// send there while the grain that consumes the namespace implicitly goes on receiving them too.
/// </summary>
internal sealed class StreamTap<T> : IAsyncDisposable
{
    private StreamSubscriptionHandle<T> _handle = null!;

    private StreamTap(Func<T, string> describe) => Items = new Observed<T>(describe);

    public Observed<T> Items { get; }

    public static async Task<StreamTap<T>> SubscribeAsync(IClusterClient client, string streamNamespace, string key, Func<T, string> describe)
    {
        var tap = new StreamTap<T>(describe);
        var stream = client.GetStreamProvider(FpoProviders.Streams).GetStream<T>(StreamId.Create(streamNamespace, key));
        tap._handle = await stream.SubscribeAsync((item, _) =>
        {
            tap.Items.Add(item);
            return Task.CompletedTask;
        });
        return tap;
    }

    public async ValueTask DisposeAsync() => await _handle.UnsubscribeAsync();
}
