using Fpo.Grains.Postgres;
using Npgsql;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// What Orleans' ADO.NET providers need in PostgreSQL: the OrleansQuery rows they look up by key, and the tables and
/// functions those queries use, for clustering, grain storage, reminders and streams (Sql/*.sql, one migration each).
/// Created and migrated like the run stores' schema (<see cref="PostgresMigrations"/>: in order, once, under an
/// advisory lock, so silos that start together are safe) and versioned apart from it in fpo_orleans_schema_version.
/// Silos set up with this folder's extension methods run it as the first step of their start; anything else that
/// opens the providers on a fresh database (an external client before any silo) runs <see cref="MigrateAsync"/> first.
/// </summary>
public static class PostgresOrleansSchema
{
    /// <summary>The ADO.NET invariant of Npgsql, the name under which every provider finds it.</summary>
    public const string Invariant = "Npgsql";

    private static readonly (int Version, string Sql)[] Migrations =
    [
        (1, Load("clustering")),
        (2, Load("grain-storage")),
        (3, Load("reminders")),
        (4, Load("streaming")),
    ];

    /// <summary>Applies the missing migrations; returns the versions it applied (none when the schema was current).</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await PostgresMigrations.ApplyAsync(connection, "Orleans", "fpo_orleans_schema_version", Migrations, cancellationToken).ConfigureAwait(false);
    }

    private static string Load(string name)
    {
        var resource = $"{typeof(PostgresOrleansSchema).Namespace}.Sql.{name}.sql";
        using var stream = typeof(PostgresOrleansSchema).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the build lacks the embedded SQL resource '{resource}'; Fpo.Grains.csproj embeds Orleans/Postgres/Sql/*.sql");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
