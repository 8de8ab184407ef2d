using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Postgres;

internal static class PostgresSchemaRegistration
{
    /// <summary>Makes the silo prepare the schema in <paramref name="connectionString"/>'s database before its providers start; once per database.</summary>
    public static IServiceCollection AddPostgresOrleansSchema(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.Configure<PostgresOrleansDatabases>(d => d.ConnectionStrings.Add(connectionString));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, PostgresSchemaStartup>());
        return services;
    }
}
