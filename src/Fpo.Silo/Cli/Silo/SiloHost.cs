using Fpo.Grains.Cluster;
using Fpo.Grains.Hosting;
using Fpo.Grains.Placement;
using Fpo.Silo.SiloApi;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// The Orleans silo of `fpo silo` on the .NET generic host: the Fpo runtime, the providers its backbone names
/// (PostgreSQL for a cluster, with Orleans' Kubernetes hosting in a pod; the run folders for one all-in-one embedded silo), placement by the roles of its config,
/// and its ILogger lines on stdout in the silo log's format. A silo with the api role also hosts the silo half of the
/// Orleans dashboard, which its API serves at /orleans/.
/// </summary>
internal static class SiloHost
{
    public static IHost Build(SiloSettings silo, SiloStoreOptions stores, ClusterEndpoint endpoint, bool kubernetes, SiloLog log) =>
        new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Information).AddProvider(new SiloLogProvider(log)))
            .UseOrleans(s =>
            {
                s.AddFpoRuntime();
                if (stores.Kind == SiloStoreOptions.Embedded) s.UseEmbeddedProviders(stores.EmbeddedProvidersFolder);
                else s.UseClusterProviders(stores.Connection!, endpoint, kubernetes);
                s.UseRolePlacement(silo.Roles, stores.RunIds);
                if (silo.Roles.Contains(RoleNames.Api)) OrleansDashboardApi.AddToSilo(s);
            })
            .Build();
}
