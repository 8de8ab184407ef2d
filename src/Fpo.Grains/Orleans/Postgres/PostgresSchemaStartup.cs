using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Brings the Orleans schema of every database the silo's PostgreSQL providers use up to date in the first stage of
/// the silo's start, before membership (RuntimeGrainServices), grain storage (ApplicationServices), streams and
/// reminders read their queries. A database that cannot be reached stops the start with what to check.
/// </summary>
internal sealed partial class PostgresSchemaStartup(IOptions<PostgresOrleansDatabases> databases, ILogger<PostgresSchemaStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaStartup), ServiceLifecycleStage.First, MigrateAsync);

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        foreach (var connectionString in databases.Value.ConnectionStrings)
        {
            var where = Describe(connectionString);
            IReadOnlyList<int> applied;
            try
            {
                applied = await PostgresOrleansSchema.MigrateAsync(connectionString, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException(
                    $"could not prepare the Orleans schema in PostgreSQL at {where}: {e.Message}; check that the server runs and the connection string is right", e);
            }
            if (applied.Count > 0) LogApplied(where, applied);
        }
    }

    /// <summary>Host, port and database of a connection string, without its credentials.</summary>
    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied Orleans schema migration(s) {Versions} to {Database}")]
    private partial void LogApplied(string database, IReadOnlyList<int> versions);
}
