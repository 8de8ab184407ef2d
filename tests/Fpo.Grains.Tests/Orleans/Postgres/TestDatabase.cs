using Npgsql;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>Databases of their own on the shared test server, for tests that install triggers or need a fresh schema.</summary>
public static class TestDatabase
{
    /// <summary>Creates an empty database named after <paramref name="prefix"/>; returns its connection string.</summary>
    public static async Task<string> CreateAsync(string serverConnectionString, string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        await using (var source = NpgsqlDataSource.Create(serverConnectionString))
        await using (var create = source.CreateCommand($"create database {name}"))
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }
}
