using System.Globalization;
using System.Net;
using Fpo.Grains.Orleans.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

// A bare silo on the PostgreSQL membership in a process of its own, for tests that must kill a silo the way the OS
// does (SIGKILL: no shutdown, no last word in the membership table), which no silo inside the test process can
// imitate. Arguments: connection string, service id, cluster id, silo port, gateway port. Prints "active <silo>" once
// it has joined the cluster, then runs until it is killed.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Fpo.Grains.TestSilo CONNECTION-STRING SERVICE-ID CLUSTER-ID SILO-PORT GATEWAY-PORT");
    return 2;
}
var (connectionString, serviceId, clusterId) = (args[0], args[1], args[2]);
var (siloPort, gatewayPort) = (int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
builder.UseOrleans(silo => silo
    .Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, clusterId))
    .ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort)
    .UsePostgresClustering(connectionString));
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"active {host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString()}");
await host.WaitForShutdownAsync();
return 0;
