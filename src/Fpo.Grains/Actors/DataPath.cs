using Orleans.Runtime;
using Orleans;
using Fpo.Grains.Contracts;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.Actors;

/// <summary>The streams of the data path as a grain reaches them: by namespace and key on the configured provider.</summary>
internal static class DataPath
{
    public static IAsyncStream<T> Stream<T>(this Grain grain, string streamNamespace, string key) =>
        grain.GetStreamProvider(FpoProviders.Streams).GetStream<T>(StreamId.Create(streamNamespace, key));

    /// <summary>Subscribes <paramref name="onNext"/> to the implicit subscription Orleans hands a consumer grain.</summary>
    public static async Task ResumeAsync<T>(IStreamSubscriptionHandleFactory handleFactory, Func<T, StreamSequenceToken?, Task> onNext)
    {
        var handle = handleFactory.Create<T>();
        await handle.ResumeAsync(onNext).ConfigureAwait(false);
    }
}
