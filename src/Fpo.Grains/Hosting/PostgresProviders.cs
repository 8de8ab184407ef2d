using System.Net;
using Fpo.Grains.Contracts;
using Fpo.Grains.Orleans.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;

namespace Fpo.Grains.Hosting;

/// <summary>
/// The providers of a cluster silo, all on one PostgreSQL database: membership (tuned to declare a killed silo dead in
/// about two seconds), grain state, reminders and the data path's streams (at least once; a delivery that keeps
/// failing goes to the dead letters).
/// </summary>
public static class PostgresProviders
{
    public const string ServiceId = "fpo";

    public static ISiloBuilder UsePostgresProviders(this ISiloBuilder silo, string connectionString, ClusterEndpoint endpoint)
    {
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (endpoint.ClusterId, ServiceId));
        silo.ConfigureEndpoints(IPAddress.Parse(endpoint.Address), Port(endpoint.SiloPort), Port(endpoint.GatewayPort), endpoint.ListenOnAnyAddress);
        silo.UsePostgresClustering(connectionString);
        silo.AddPostgresGrainStorage(FpoProviders.Storage, connectionString);
        silo.UsePostgresReminders(connectionString);
        silo.AddPostgresStreams(FpoProviders.Streams, connectionString);
        silo.Services.AddSingleton<IStreamBacklog>(services =>
            new PostgresBacklog(new PostgresStreamQueues(connectionString, ServiceId, services.GetRequiredService<ObjectSerializer>())));
        return silo;
    }

    private static int Port(int port) => port == 0 ? FreePorts.Next() : port;
}
