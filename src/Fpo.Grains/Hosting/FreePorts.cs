using System.Net;
using System.Net.Sockets;

namespace Fpo.Grains.Hosting;

/// <summary>A free TCP port on the loopback interface, for silos that share a machine (tests, a laptop).</summary>
internal static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
