using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Storage;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Grain state in PostgreSQL (OrleansStorage), through Orleans' ADO.NET grain storage wrapped in
/// <see cref="GrainIdScopedStorage"/> so that every grain's state has its own row. The silo prepares the schema first
/// (<see cref="PostgresOrleansSchema"/>).
/// </summary>
public static class PostgresGrainStorageExtensions
{
    /// <summary>Adds the grain storage <paramref name="name"/>, as in <c>[PersistentState("state", name)]</c>.</summary>
    public static ISiloBuilder AddPostgresGrainStorage(this ISiloBuilder builder, string name, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.AddPostgresOrleansSchema(connectionString);
        builder.AddAdoNetGrainStorage(name, options =>
        {
            options.Invariant = PostgresOrleansSchema.Invariant;
            options.ConnectionString = connectionString;
        });
        // Registered after Orleans' own, so resolving the storage by name (and the lifecycle participant Orleans
        // registered, which resolves it that way) yields the wrapper.
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (services, key) =>
            new GrainIdScopedStorage(AdoNetGrainStorageFactory.Create(services, (string)key!)));
        return builder;
    }
}
