using Fpo.Grains.Orleans.Postgres;
using Fpo.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// The Orleans schema: created once however many silos start together, a no-op afterwards, holding every query the
/// providers look up; the stream queries run as the provider runs them (its parameter names, its column casts); the
/// eviction paths no silo test reaches (expiry, attempts used up without a failure report), read back by
/// <see cref="PostgresStreamQueues"/> from payloads it cannot decode; and a silo whose database is unreachable.
/// </summary>
[Collection(OrleansPostgresCollection.Name)]
public sealed class PostgresOrleansSchemaTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreatingTheSchemaConcurrentlyAppliesEachMigrationOnceAndAgainIsANoOp()
    {
        var database = await TestDatabase.CreateAsync(postgres.ConnectionString, "orleans_schema");

        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresOrleansSchema.MigrateAsync(database, Ct)));
        Assert.Equal([1, 2, 3, 4], applied.SelectMany(a => a).Order());
        Assert.Empty(await PostgresOrleansSchema.MigrateAsync(database, Ct));

        Assert.Equal(4L, await ScalarAsync<long>(database, "select count(*) from fpo_orleans_schema_version"));
        string[] providersLookUp =
            [
                // clustering (CleanupDefunctSiloEntryKey is optional: with it Orleans removes dead rows one by one)
                "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
                "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey",
                "UpdateIAmAlivetimeKey", "UpdateMembershipKey",
                // grain storage
                "ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey",
                // reminders
                "DeleteReminderRowKey", "DeleteReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
                "ReadReminderRowsKey", "UpsertReminderRowKey",
                // streams
                "ConfirmStreamMessagesKey", "EvictStreamDeadLettersKey", "EvictStreamMessagesKey", "FailStreamMessageKey",
                "GetStreamMessagesKey", "QueueStreamMessageKey",
            ];
        Assert.Equal(
            providersLookUp.Order(StringComparer.Ordinal),
            (await ListAsync(database, "select QueryKey from OrleansQuery", r => r.GetString(0))).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PullsHideMessagesConfirmationsDeleteOnlyTheDeliveryTheyNameAndReleasesShowThemAgain()
    {
        var database = await TestDatabase.CreateAsync(postgres.ConnectionString, "orleans_pull");
        await PostgresOrleansSchema.MigrateAsync(database, Ct);
        (string, object)[] queue = [("ServiceId", "svc"), ("ProviderId", "work"), ("QueueId", "q")];
        // Read as the provider reads them: by column name, cast to the types it expects.
        async Task<long> EnqueueAsync(byte[] payload) => Assert.Single(await RowsAsync(database, await QueryAsync(database, "QueueStreamMessageKey"),
            r => (long)r["MessageId"], [.. queue, ("Payload", payload), ("ExpiryTimeout", 60)]));
        async Task<List<(long, int)>> PullAsync() => await RowsAsync(database, await QueryAsync(database, "GetStreamMessagesKey"), Pulled,
            [.. queue, ("MaxCount", 10), ("MaxAttempts", 3), ("VisibilityTimeout", 60), ("RemovalTimeout", 60), ("EvictionInterval", 60), ("EvictionBatchSize", 10)]);
        async Task<List<long>> ConfirmAsync(string items) => await RowsAsync(database, await QueryAsync(database, "ConfirmStreamMessagesKey"),
            r => (long)r["MessageId"], [.. queue, ("Items", items)]);

        var (first, second) = (await EnqueueAsync([1]), await EnqueueAsync([2, 2]));
        Assert.Equal([(first, 1), (second, 1)], (await PullAsync()).Order());
        Assert.Empty(await PullAsync());

        Assert.Equal([first], await ConfirmAsync($"{first}:-1"));
        Assert.Equal([(first, 2)], await PullAsync());
        Assert.Equal([second], await ConfirmAsync($"{first}:1|{second}:1"));
        Assert.Equal([first], await ConfirmAsync($"{first}:2"));
        Assert.Equal(0L, await ScalarAsync<long>(database, "select count(*) from OrleansStreamMessage"));

        static (long MessageId, int Dequeued) Pulled(NpgsqlDataReader r)
        {
            _ = ((string)r["ServiceId"], (string)r["ProviderId"], (string)r["QueueId"], (DateTime)r["VisibleOn"], (DateTime)r["ExpiresOn"],
                (DateTime)r["CreatedOn"], (DateTime)r["ModifiedOn"], (byte[])r["Payload"]);
            return ((long)r["MessageId"], (int)r["Dequeued"]);
        }
    }

    [Fact]
    public async Task MessagesThatExpiredOrRanOutOfAttemptsBecomeDeadLettersWithTheirReason()
    {
        var database = await TestDatabase.CreateAsync(postgres.ConnectionString, "orleans_evict");
        await PostgresOrleansSchema.MigrateAsync(database, Ct);
        await ExecuteAsync(database, """
            insert into OrleansStreamMessage (ServiceId, ProviderId, QueueId, Dequeued, VisibleOn, ExpiresOn, CreatedOn, ModifiedOn, Payload) values
                ('svc', 'work', 'q', 0, now(), now() - interval '1 second', now(), now(), '\x01'),
                ('svc', 'work', 'q', 3, now(), now() + interval '1 hour', now(), now(), '\x0202'),
                ('svc', 'work', 'q', 3, now() + interval '1 minute', now() + interval '1 hour', now(), now(), '\x030303'),
                ('svc', 'work', 'q', 1, now(), now() + interval '1 hour', now(), now(), '\x04');
            """);

        await ExecuteAsync(database, await QueryAsync(database, "EvictStreamMessagesKey"),
            ("ServiceId", "svc"), ("ProviderId", "work"), ("QueueId", "q"), ("MaxCount", 10), ("MaxAttempts", 3), ("RemovalTimeout", 60));

        await using var queues = new PostgresStreamQueues(database, "svc", new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<ObjectSerializer>());
        var letters = await queues.DeadLettersAsync("work", 10, Ct);
        Assert.Equal(
            [(1, 0, "expired"), (2, 3, "attempts exhausted")],
            letters.Select(l => (l.PayloadBytes, l.Attempts, l.Reason)).Order());
        Assert.All(letters, l => Assert.Equal((PostgresStreamQueues.Unreadable, "q"), (l.StreamNamespace, l.Queue)));
        Assert.All(letters, l => Assert.InRange(l.RemoveOn - l.DeadOn, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(61)));
        // The one still being delivered (invisible) and the one with attempts left stay.
        Assert.Equal(new Dictionary<string, long> { [PostgresStreamQueues.Unreadable] = 2 }, await queues.PendingAsync("work", Ct));

        await ExecuteAsync(database, "update OrleansStreamDeadLetter set RemoveOn = now() where Reason = 'expired'");
        await ExecuteAsync(database, await QueryAsync(database, "EvictStreamDeadLettersKey"),
            ("ServiceId", "svc"), ("ProviderId", "work"), ("QueueId", "q"), ("MaxCount", 10));
        Assert.Equal(["attempts exhausted"], (await queues.DeadLettersAsync("work", 10, Ct)).Select(l => l.Reason));
    }

    [Fact]
    public async Task ASiloWhoseDatabaseCannotBeReachedFailsToStartSayingWhereAndWhatToCheck()
    {
        var port = TestSilo.FreePort();
        var setup = SiloSetup.Fresh($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", "unreachable");
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(setup, "unreachable"));
        var messages = Chain(failure).Select(e => e.Message).ToList();
        Assert.Contains(messages, m => m.StartsWith($"could not prepare the Orleans schema in PostgreSQL at 127.0.0.1:{port}/postgres: ", StringComparison.Ordinal)
            && m.EndsWith("; check that the server runs and the connection string is right", StringComparison.Ordinal));

        static IEnumerable<Exception> Chain(Exception? e)
        {
            for (; e is not null; e = e.InnerException)
            {
                yield return e;
                if (e is AggregateException aggregate)
                    foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
            }
        }
    }

    private static Task<string> QueryAsync(string database, string key) =>
        ScalarAsync<string>(database, $"select QueryText from OrleansQuery where QueryKey = '{key}'");

    private static async Task ExecuteAsync(string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(database);
        await using var command = source.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var source = NpgsqlDataSource.Create(database);
        await using var command = source.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static Task<List<T>> ListAsync<T>(string database, string sql, Func<NpgsqlDataReader, T> read) => RowsAsync(database, sql, read, []);

    private static async Task<List<T>> RowsAsync<T>(string database, string sql, Func<NpgsqlDataReader, T> read, (string Name, object Value)[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(database);
        await using var command = source.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(Ct)) rows.Add(read(reader));
        return rows;
    }
}
