namespace Fpo.Grains.Orleans.Postgres;

/// <summary>The databases whose Orleans schema <see cref="PostgresSchemaStartup"/> prepares: one per distinct connection string.</summary>
internal sealed class PostgresOrleansDatabases
{
    public HashSet<string> ConnectionStrings { get; } = new(StringComparer.Ordinal);
}
