using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers.Streams.Common;
using Orleans.Serialization;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

public static class SiloBuilderFolderStreamsExtensions
{
    /// <summary>
    /// Adds a persistent stream provider named <paramref name="name"/> that keeps its queues as files in
    /// <paramref name="folder"/>: durable once a produce call returns, delivered at least once across process kills,
    /// failing records dead-lettered with their error. Consumers subscribe implicitly
    /// (<c>[ImplicitStreamSubscription]</c>): pub-sub is implicit only, so no PubSubStore is needed and explicit
    /// subscriptions are not available. Its backlog and dead letters are on the <see cref="FolderStreamQueues"/> service
    /// keyed by <paramref name="name"/>. One silo per folder: the folder is locked while the silo runs.
    /// </summary>
    public static ISiloBuilder AddFolderStreams(this ISiloBuilder builder, string name, string folder, Action<FolderStreamOptions>? configure = null)
    {
        var options = new FolderStreamOptions();
        configure?.Invoke(options);
        options.Validate(name);
        builder.Services.AddKeyedSingleton(name, (services, _) => new FolderStreamQueues(
            name, folder, options, services.GetRequiredService<Serializer>(), services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILogger<FolderStreamQueues>>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IIncomingGrainCallFilter, FolderDeliveryFilter>());
        return builder.AddPersistentStreams(name, CreateFactory, streams =>
        {
            streams.ConfigureBackoffProvider((_, _) => new FolderDeliveryBackoff(options.RetryDelay));
            // The receiver waits for appends itself; the agent's timer only restarts that wait, so it can tick often.
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = FolderQueue.DeliveryGrace));
            streams.Configure<StreamPubSubOptions>(pubSub => pubSub.Configure(o => o.PubSubType = StreamPubSubType.ImplicitOnly));
        });

        IQueueAdapterFactory CreateFactory(IServiceProvider services, string providerName) => new FolderQueueAdapterFactory(
            services.GetRequiredKeyedService<FolderStreamQueues>(providerName),
            options,
            new SimpleQueueAdapterCache(services.GetOptionsByName<SimpleQueueCacheOptions>(providerName), providerName, services.GetRequiredService<ILoggerFactory>()));
    }
}
