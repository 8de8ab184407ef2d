using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Postgres;
using Fpo.Testing;
using Npgsql;

namespace Fpo.Grains.Tests.Postgres;

/// <summary>
/// What only a database shows: two processes (two backbones, separate connection pools) competing for a role, a killed
/// session, a zombie trainer, damaged chunks, a transaction that fails halfway, injected lineage damage, and silos
/// migrating one database together.
/// </summary>
public sealed class PostgresRunStoresTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<PostgresRunStores> OpenAsync(string run, string? connectionString = null) =>
        PostgresRunStores.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = connectionString ?? postgres.ConnectionString,
            RunId = run,
        }, Ct);

    private async Task<T> QueryAsync<T>(string sql, params (string, object?)[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using var command = source.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static SnapshotPublication Publication(long version, string[] ids, byte[]? model = null) =>
        new(version, new Dictionary<string, byte[]> { ["model.bin"] = model ?? [(byte)version] }, ids, version);

    [Fact]
    public async Task AZombieTrainerCannotPublishTheVersionTheNewTrainerPublished()
    {
        var run = PostgresFixture.NewRunId("zombie");
        await using var zombie = await OpenAsync(run);
        await using var elected = await OpenAsync(run);
        await zombie.Snapshots.PublishAsync(Publication(0, []), Ct);
        await zombie.Snapshots.PublishAsync(Publication(1, ["p1"]), Ct);
        await elected.Snapshots.PublishAsync(Publication(2, ["p2"], [2, 2]), Ct);
        var conflict = await Assert.ThrowsAsync<SnapshotConflictException>(() => zombie.Snapshots.PublishAsync(Publication(2, ["p3"], [9, 9]), Ct));
        Assert.Contains("only 3", conflict.Message, StringComparison.Ordinal);
        Assert.Equal([2, 2], (await zombie.Snapshots.GetAsync(2, Ct)).Files["model.bin"]);
        Assert.Null(await elected.Lineage.SnapshotOfAsync("p3", Ct));
    }

    [Fact]
    public async Task ASnapshotSpanningManyChunksRoundTripsAndADamagedChunkIsReported()
    {
        var run = PostgresFixture.NewRunId("chunks");
        await using var stores = await OpenAsync(run);
        var model = new byte[(3 << 20) + 12345];   // three full 1 MiB chunks and a partial one
        new Random(5).NextBytes(model);
        var config = "{\"n_layer\":2}"u8.ToArray();
        await stores.Snapshots.PublishAsync(Publication(0, []), Ct);
        await stores.Snapshots.PublishAsync(new SnapshotPublication(1, new Dictionary<string, byte[]> { ["model.bin"] = model, ["config.json"] = config }, [], 1), Ct);
        var content = await stores.Snapshots.GetAsync(1, Ct);
        Assert.Equal(model, content.Files["model.bin"]);
        Assert.Equal(config, content.Files["config.json"]);
        Assert.Equal(4, await QueryAsync<long>("select count(*) from fpo_snapshot_chunks where run = @run and version = 1 and name = 'model.bin'", ("run", run)));
        await QueryAsync<int>("""
            update fpo_snapshot_chunks set data = set_byte(data, 100, (get_byte(data, 100) + 1) % 256)
            where run = @run and version = 1 and name = 'model.bin' and chunk = 2 returning 1
            """, ("run", run));
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => stores.Snapshots.GetAsync(1, Ct));
        Assert.Contains("snapshot 1", damaged.Message, StringComparison.Ordinal);
        await QueryAsync<int>("delete from fpo_snapshot_chunks where run = @run and version = 1 and name = 'model.bin' and chunk = 3 returning 1", ("run", run));
        var truncated = await Assert.ThrowsAsync<InvalidDataException>(() => stores.Snapshots.GetAsync(1, Ct));
        Assert.Contains("3 of 4 chunks", truncated.Message, StringComparison.Ordinal);
        Assert.Equal([0], (await stores.Snapshots.GetAsync(0, Ct)).Files["model.bin"]);
    }

    [Fact]
    public async Task VerifyFindsDamageInjectedWithSql()
    {
        var run = PostgresFixture.NewRunId("inject");
        await using var stores = await OpenAsync(run);
        await stores.Journal.AppendAsync(JournalKinds.JudgedBatch, "b1",
            JsonSerializer.Serialize(new BatchTally(3, 3, 0, 0, ["p1", "p2", "p3"]), JournalKinds.Json), Ct);
        for (var v = 0; v < 4; v++) await stores.Snapshots.PublishAsync(Publication(v, v == 1 ? ["p1"] : []), Ct);
        Assert.True((await stores.VerifyLineageAsync(Ct)).Holds);
        await QueryAsync<int>("delete from fpo_snapshots where run = @run and version = 2 returning 1", ("run", run));
        await QueryAsync<int>("insert into fpo_lineage (run, preference_id, version) values (@run, 'p9', 3) returning 1", ("run", run));
        await QueryAsync<int>("insert into fpo_dropped (run, preference_id, reason) values (@run, 'p1', 'stale') returning 1", ("run", run));
        var report = await stores.VerifyLineageAsync(Ct);
        Assert.Equal(
            [
                "snapshot versions have a gap: 1 is followed by 3",
                "preference 'p1' is in snapshot 1 and also recorded as dropped",
                "preference 'p9' is in snapshot 3 but no judged batch in the journal sent it",
            ], report.Violations);
        Assert.Equal((3L, 3L, 3L, 2L, 1L, 2L), (report.Snapshots, report.LatestVersion, report.Labelled, report.InSnapshots, report.Dropped, report.AwaitingTraining));
    }

    [Fact]
    public async Task SilosStartingTogetherMigrateAFreshDatabaseOnceAndRunsAreListed()
    {
        var database = "fpo_migrate_" + Guid.NewGuid().ToString("N")[..8];
        await QueryAsync<int>($"create database {database}; select 1");
        var connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = database }.ConnectionString;
        Assert.Empty(await PostgresRunStores.RunsAsync(connectionString, Ct));
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => OpenAsync($"run-{i % 2}", connectionString: connectionString)));
        foreach (var stores in opened) await stores.DisposeAsync();
        Assert.Equal(["run-0", "run-1"], await PostgresRunStores.RunsAsync(connectionString, Ct));
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var versions = source.CreateCommand("select count(*) from fpo_schema_version");
        Assert.Equal(3L, await versions.ExecuteScalarAsync(Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => OpenAsync("bad run id", connectionString: connectionString));
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsRetriedQuietlyAndEscapesOnlyPastTheRetryLimit()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var log = new List<string>();
        var options = new PostgresStoreOptions
        {
            ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres",
            RunId = "nowhere",
            Log = log.Add,
            MaxRetries = 4,
            RetryInitialDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        };
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => PostgresRunStores.OpenAsync(options, Ct));
        Assert.True(failure is NpgsqlException or System.Net.Sockets.SocketException, failure.ToString());
        Assert.Single(log);   // one line for the outage, not one per retry
        Assert.Contains("migrating the schema failed", log[0], StringComparison.Ordinal);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostgresRunStores.OpenAsync(options with { MaxRetries = null }, cancel.Token));
    }
}
