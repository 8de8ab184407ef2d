using Npgsql;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// Waits for what silos do to the database in the background (declare a silo dead, confirm or dead-letter stream
/// messages) without sleeping: row triggers on the watched tables notify a channel this watch listens on, and
/// <see cref="WaitUntilAsync"/> reads its condition again after each change. Tests that watch use a database of their
/// own, so the triggers touch no other test.
/// </summary>
public sealed class DatabaseWatch : IAsyncDisposable
{
    private const string Channel = "fpo_test_watch";

    private readonly NpgsqlConnection _connection;

    private DatabaseWatch(NpgsqlConnection connection) => _connection = connection;

    public static async Task<DatabaseWatch> StartAsync(string connectionString, params string[] tables)
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = $"""
                create or replace function fpo_test_notify() returns trigger language plpgsql as $f$
                begin
                    perform pg_notify('{Channel}', tg_table_name);
                    return null;
                end
                $f$;
                {string.Concat(tables.Select(t => $"create or replace trigger fpo_test_watch after insert or update or delete on {t} for each row execute function fpo_test_notify();\n"))}
                listen {Channel};
                """;
            await setup.ExecuteNonQueryAsync(ct);
        }
        return new DatabaseWatch(connection);
    }

    /// <summary>Reads with <paramref name="read"/> until <paramref name="done"/> holds; fails after <paramref name="timeout"/> naming <paramref name="what"/> and the last value.</summary>
    public async Task<T> WaitUntilAsync<T>(string what, Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var ct = TestContext.Current.CancellationToken;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _connection.WaitAsync(left, ct))
                throw new TimeoutException($"waited {timeout.TotalSeconds:0.#} s for {what}; last seen: {value}");
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
