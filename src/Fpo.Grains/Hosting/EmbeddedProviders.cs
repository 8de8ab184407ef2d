using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Fpo.Grains.Contracts;
using Fpo.Grains.Orleans.Folder;

namespace Fpo.Grains.Hosting;

/// <summary>
/// The providers of the embedded run (one process, one silo, no server): localhost clustering on free loopback ports,
/// so several loops or tests can run at once on one machine; the data path's streams and the grains' state as files in
/// the run folder (orleans/streams, orleans/state), so a killed run resumes with every accepted record.
/// </summary>
public static class EmbeddedProviders
{
    public const string OrleansFolder = "orleans";

    public static ISiloBuilder UseEmbeddedProviders(this ISiloBuilder silo, string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        silo.UseLocalhostClustering(FreePorts.Next(), FreePorts.Next(), serviceId: "fpo-embedded", clusterId: "fpo-embedded");
        silo.AddFolderGrainStorage(FpoProviders.Storage, Path.Combine(runDir, OrleansFolder, "state"));
        silo.AddFolderStreams(FpoProviders.Streams, Path.Combine(runDir, OrleansFolder, "streams"));
        silo.Services.AddSingleton<IStreamBacklog>(services => new FolderBacklog(services.GetRequiredKeyedService<FolderStreamQueues>(FpoProviders.Streams)));
        // The loop host starts the singletons itself on every open, so the reminders that revive them need not outlive the process.
        silo.UseInMemoryReminderService();
        return silo;
    }
}
