using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// Versioned schema migrations, the same way for each schema this project keeps in PostgreSQL: a version table lists
/// the migrations applied; each missing one runs in its own transaction, in order, while the process holds a session
/// advisory lock, so processes that start together migrate once. A database migrated by a newer Fpo (a version this
/// build does not know) is refused.
/// </summary>
internal static class PostgresMigrations
{
    private static readonly long MigrationLock = Sql.LockKey("schema-migration");

    /// <summary>
    /// Applies the <paramref name="migrations"/> (ascending versions) that <paramref name="versionTable"/> does not
    /// list; returns the versions it applied (none when the schema was current). <paramref name="schema"/> names the
    /// schema in errors.
    /// </summary>
    public static async Task<IReadOnlyList<int>> ApplyAsync(
        NpgsqlConnection connection, string schema, string versionTable, IReadOnlyList<(int Version, string Sql)> migrations, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, "select pg_advisory_lock(@key)", cancellationToken, ("key", MigrationLock)).ConfigureAwait(false);
        try
        {
            await Sql.ExecuteAsync(connection,
                $"create table if not exists {versionTable} (version integer primary key, applied_at timestamptz not null default now())",
                cancellationToken).ConfigureAwait(false);
            var applied = await Sql.ListAsync(connection, $"select version from {versionTable}", r => r.GetInt32(0), cancellationToken).ConfigureAwait(false);
            var known = migrations[^1].Version;
            if (applied.Count > 0 && applied.Max() > known)
                throw new InvalidOperationException(
                    $"the database's {schema} schema is at version {applied.Max()}, newer than this build knows ({known}); upgrade Fpo or use another database");
            var done = new List<int>();
            foreach (var (version, sql) in migrations)
            {
                if (applied.Contains(version)) continue;
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await Sql.ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
                await Sql.ExecuteAsync(connection, $"insert into {versionTable} (version) values (@v)", cancellationToken, ("v", version)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                done.Add(version);
            }
            return done;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
                await Sql.ExecuteAsync(connection, "select pg_advisory_unlock(@key)", CancellationToken.None, ("key", MigrationLock)).ConfigureAwait(false);
        }
    }
}
