using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Postgres;
using Fpo.Grains.Tests.Embedded;
using Fpo.Testing;
using Npgsql;

namespace Fpo.Grains.Tests.Postgres;

/// <summary>
/// What only a database shows: two processes (two backbones, separate connection pools) competing for a role, a killed
/// session, a zombie trainer, damaged chunks, a transaction that fails halfway, injected lineage damage, and silos
/// migrating one database together.
/// </summary>
public sealed class PostgresBackboneTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<PostgresBackbone> OpenAsync(string run, string? application = null, string? connectionString = null) =>
        PostgresBackbone.OpenAsync(new PostgresBackboneOptions
        {
            ConnectionString = (connectionString ?? postgres.ConnectionString) + (application is null ? "" : $";Application Name={application}"),
            RunId = run,
            LeadershipCheckInterval = TimeSpan.FromMilliseconds(200),
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
    public async Task OneOfTwoProcessesLeadsAndWhenItsSessionIsKilledItLearnsAndTheOtherTakesOver()
    {
        var run = PostgresFixture.NewRunId("lead");
        var app = "leader-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await OpenAsync(run, app);
        await using var second = await OpenAsync(run);
        var held = await first.TryLeadAsync("trainer", Ct);
        Assert.NotNull(held);
        Assert.Null(await second.TryLeadAsync("trainer", Ct));
        var killed = await QueryAsync<long>("""
            select count(pg_terminate_backend(l.pid)) from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and a.application_name = @app
            """, ("app", app));
        Assert.Equal(1, killed);
        await Task.Delay(TimeSpan.FromSeconds(5), held.Lost).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(held.Lost.IsCancellationRequested, "the holder did not notice that its session was killed");
        await using var taken = await second.TryLeadAsync("trainer", Ct);
        Assert.NotNull(taken);
        await held.DisposeAsync();
        Assert.Null(await first.TryLeadAsync("trainer", Ct));
    }

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
        await using var backbone = await OpenAsync(run);
        var model = new byte[(3 << 20) + 12345];   // three full 1 MiB chunks and a partial one
        new Random(5).NextBytes(model);
        var config = "{\"n_layer\":2}"u8.ToArray();
        await backbone.Snapshots.PublishAsync(Publication(0, []), Ct);
        await backbone.Snapshots.PublishAsync(new SnapshotPublication(1, new Dictionary<string, byte[]> { ["model.bin"] = model, ["config.json"] = config }, [], 1), Ct);
        var content = await backbone.Snapshots.GetAsync(1, Ct);
        Assert.Equal(model, content.Files["model.bin"]);
        Assert.Equal(config, content.Files["config.json"]);
        Assert.Equal(4, await QueryAsync<long>("select count(*) from fpo_snapshot_chunks where run = @run and version = 1 and name = 'model.bin'", ("run", run)));
        await QueryAsync<int>("""
            update fpo_snapshot_chunks set data = set_byte(data, 100, (get_byte(data, 100) + 1) % 256)
            where run = @run and version = 1 and name = 'model.bin' and chunk = 2 returning 1
            """, ("run", run));
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => backbone.Snapshots.GetAsync(1, Ct));
        Assert.Contains("snapshot 1", damaged.Message, StringComparison.Ordinal);
        await QueryAsync<int>("delete from fpo_snapshot_chunks where run = @run and version = 1 and name = 'model.bin' and chunk = 3 returning 1", ("run", run));
        var truncated = await Assert.ThrowsAsync<InvalidDataException>(() => backbone.Snapshots.GetAsync(1, Ct));
        Assert.Contains("3 of 4 chunks", truncated.Message, StringComparison.Ordinal);
        Assert.Equal([0], (await backbone.Snapshots.GetAsync(0, Ct)).Files["model.bin"]);
    }

    [Fact]
    public async Task AForwardThatFailsHalfwayLeavesNeitherTheOutputNorTheAcknowledgement()
    {
        await using var backbone = await OpenAsync(PostgresFixture.NewRunId("forward"));
        var input = backbone.Stream("in", TextCodec.Instance);
        var output = backbone.Stream("out", TextCodec.Instance);
        await input.PublishAsync([new("a", "x")], Ct);
        var leased = await input.LeaseAsync(1, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct);
        // The acknowledgement runs first; PostgreSQL text cannot hold NUL, so the output insert after it fails.
        await Assert.ThrowsAnyAsync<Exception>(() => backbone.ForwardAsync(input, leased, output, [new StreamItem<string>("good", "ok"), new("bad", "nul\0")], Ct));
        Assert.Equal(new StreamCounts(0, 1, 0, 0), await input.CountsAsync(Ct));
        Assert.Equal(new StreamCounts(0, 0, 0, 0), await output.CountsAsync(Ct));
        Assert.Equal(["a"], await backbone.ForwardAsync(input, leased, output, [new StreamItem<string>("good", "ok")], Ct));
        Assert.Equal(new StreamCounts(1, 0, 0, 0), await output.CountsAsync(Ct));
    }

    [Fact]
    public async Task VerifyFindsDamageInjectedWithSql()
    {
        var run = PostgresFixture.NewRunId("inject");
        await using var backbone = await OpenAsync(run);
        var preferences = backbone.Stream(StreamNames.Preferences, TextCodec.Instance);
        await preferences.PublishAsync([new("p1", "a"), new("p2", "b"), new("p3", "c")], Ct);
        for (var v = 0; v < 4; v++) await backbone.Snapshots.PublishAsync(Publication(v, v == 1 ? ["p1"] : []) with { ConsumedStream = StreamNames.Preferences }, Ct);
        Assert.True((await backbone.Lineage.VerifyAsync(Ct)).Holds);
        await QueryAsync<int>("delete from fpo_snapshots where run = @run and version = 2 returning 1", ("run", run));
        await QueryAsync<int>("update fpo_stream_records set state = 2 where run = @run and id = 'p2' returning 1", ("run", run));
        await QueryAsync<int>("update fpo_stream_records set state = 0 where run = @run and id = 'p1' returning 1", ("run", run));
        var report = await backbone.Lineage.VerifyAsync(Ct);
        Assert.Equal(
            [
                "snapshot versions have a gap: 1 is followed by 3",
                "preference 'p2' in stream 'preferences' is acknowledged but in no snapshot and not dropped: it was lost",
                "preference 'p1' in stream 'preferences' is in snapshot 1 but still pending: it can be trained again",
            ], report.Violations);
        Assert.Equal((3L, 3L, 3L, 1L, 1L, 2L), (report.Snapshots, report.LatestVersion, report.Preferences, report.Acknowledged, report.InSnapshots, report.Pending));
    }

    [Fact]
    public async Task SilosStartingTogetherMigrateAFreshDatabaseOnceAndRunsAreListed()
    {
        var database = "fpo_migrate_" + Guid.NewGuid().ToString("N")[..8];
        await QueryAsync<int>($"create database {database}; select 1");
        var connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = database }.ConnectionString;
        Assert.Empty(await PostgresBackbone.RunsAsync(connectionString, Ct));
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => OpenAsync($"run-{i % 2}", connectionString: connectionString)));
        foreach (var backbone in opened) await backbone.DisposeAsync();
        Assert.Equal(["run-0", "run-1"], await PostgresBackbone.RunsAsync(connectionString, Ct));
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var versions = source.CreateCommand("select count(*) from fpo_schema_version");
        Assert.Equal(1L, await versions.ExecuteScalarAsync(Ct));
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
        var options = new PostgresBackboneOptions
        {
            ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres",
            RunId = "nowhere",
            Log = log.Add,
            MaxRetries = 4,
            RetryInitialDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        };
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => PostgresBackbone.OpenAsync(options, Ct));
        Assert.True(failure is NpgsqlException or System.Net.Sockets.SocketException, failure.ToString());
        Assert.Single(log);   // one line for the outage, not one per retry
        Assert.Contains("migrating the schema failed", log[0], StringComparison.Ordinal);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostgresBackbone.OpenAsync(options with { MaxRetries = null }, cancel.Token));
    }
}
