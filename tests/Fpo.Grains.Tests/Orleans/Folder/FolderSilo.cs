using Fpo.Grains.Orleans.Folder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>
/// One in-process silo on a run folder: folder streams in folder/streams, folder grain storage in folder/state. Starting
/// another on the same folder after disposing this one is a silo restart.
/// </summary>
public sealed class FolderSilo : IAsyncDisposable
{
    public const string Streams = "folder";
    public const string Storage = "state";
    private readonly InProcessTestCluster _cluster;

    private FolderSilo(InProcessTestCluster cluster, LogLines log)
    {
        _cluster = cluster;
        Log = log;
    }

    public LogLines Log { get; }

    public IServiceProvider Services => _cluster.GetSiloServiceProvider();

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public FolderStreamQueues Queues => Services.GetRequiredKeyedService<FolderStreamQueues>(Streams);

    public Deliveries Deliveries => Services.GetRequiredService<Deliveries>();

    public static async Task<FolderSilo> StartAsync(string folder, Action<FolderStreamOptions>? streams = null, Action<IServiceCollection>? services = null)
    {
        var log = new LogLines();
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.InitializeClientOnDeploy = false;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo
            .AddFolderStreams(Streams, Path.Combine(folder, "streams"), streams)
            .AddFolderGrainStorage(Storage, Path.Combine(folder, "state")));
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.AddProvider(log);
            host.Services.AddSingleton<Deliveries>();
            services?.Invoke(host.Services);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new FolderSilo(cluster, log);
    }

    public IAsyncStream<FolderTestEvent> Stream(string streamNamespace, string key) =>
        Services.GetRequiredService<IClusterClient>().GetStreamProvider(Streams).GetStream<FolderTestEvent>(StreamId.Create(streamNamespace, key));

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
