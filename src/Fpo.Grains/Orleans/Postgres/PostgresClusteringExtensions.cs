using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Orleans membership in PostgreSQL: silos find each other, and clients find gateways, through the
/// OrleansMembershipTable of the database at the connection string. Silos prepare the schema first
/// (<see cref="PostgresOrleansSchema"/>); a client expects a silo to have done so.
/// </summary>
public static class PostgresClusteringExtensions
{
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder builder, string connectionString, PostgresMembershipOptions? membership = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPostgresOrleansSchema(connectionString);
        builder.UseAdoNetClustering(options =>
        {
            options.Invariant = PostgresOrleansSchema.Invariant;
            options.ConnectionString = connectionString;
        });
        builder.Services.Configure<ClusterMembershipOptions>((membership ?? new PostgresMembershipOptions()).ApplyTo);
        return builder;
    }

    /// <summary>
    /// Gateways for an external client, re-read every 5 s instead of Orleans' minute: a small cluster may restart as
    /// a whole on new addresses, and its clients should find it again within seconds.
    /// </summary>
    public static IClientBuilder UsePostgresClustering(this IClientBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.UseAdoNetClustering(options =>
        {
            options.Invariant = PostgresOrleansSchema.Invariant;
            options.ConnectionString = connectionString;
        });
        builder.Services.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return builder;
    }
}
