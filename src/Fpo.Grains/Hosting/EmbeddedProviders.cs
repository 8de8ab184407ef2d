using Orleans.Hosting;
using System.Net;
using System.Net.Sockets;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Hosting;

/// <summary>
/// The providers of the embedded run (one process, one silo, no server): localhost clustering on free loopback ports,
/// so several loops or tests can run at once on one machine, and the data path's streams and grain state.
/// </summary>
public static class EmbeddedProviders
{
    public static ISiloBuilder UseEmbeddedProviders(this ISiloBuilder silo, string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "fpo-embedded", clusterId: "fpo-embedded");
        silo.AddMemoryGrainStorage(FpoProviders.Storage);
        silo.AddMemoryGrainStorage("PubSubStore");
        silo.AddMemoryStreams(FpoProviders.Streams);
        // The loop host starts the singletons itself on every open, so the reminders that revive them need not outlive the process.
        silo.UseInMemoryReminderService();
        return silo;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
