using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fpo.Grains.Blob;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Hosting;
using Fpo.Grains.Orleans.Postgres;
using Fpo.Grains.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Fpo.Silo.Bench.Cluster;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Cluster;

/// <summary>
/// A cluster of real `fpo silo` processes, each one Orleans silo (1 trainer, 2 rollout, 1 reference, 1 judge, 1 api) on
/// a throwaway PostgreSQL on 127.0.0.1 with the snapshots' bytes in a throwaway Azurite, running the tiny built-in task,
/// through a SIGKILLed rollout silo, a SIGKILLed and restarted trainer silo, a ten-second database outage, an Azurite
/// restart and a second trainer silo (Orleans keeps one trainer), the trainer's retention keeping few snapshots; then
/// `fpo lineage verify` and the invariants it rests on, checked again here. The timeline it prints has the time from
/// each kill to the next published snapshot.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-cluster-").FullName;
    private readonly string _run = PostgresFixture.NewRunId("cluster");
    private readonly List<SiloProcess> _silos = [];
    private readonly List<string> _timeline = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private LocalPostgresServer _postgres = null!;
    private LocalAzuriteServer _azurite = null!;
    private PostgresRunStores _stores = null!;

    public async ValueTask InitializeAsync()
    {
        _postgres = await LocalPostgresServer.CreateAsync(CancellationToken.None);
        _azurite = await LocalAzuriteServer.CreateAsync(CancellationToken.None);
        _stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = _postgres.ConnectionString, RunId = _run, Blobs = new BlobSnapshotOptions { ConnectionString = _azurite.ConnectionString },
        }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) silo.Dispose();
        await _stores.DisposeAsync();
        await _azurite.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_cluster_survives_killed_silos_and_a_database_restart_losing_no_preference_and_training_none_twice()
    {
        var trainer = Start("trainer", "trainer.yaml");
        Start("rollout-1", "rollout.yaml");
        var doomed = Start("rollout-2", "rollout.yaml");
        Start("reference", "reference.yaml");
        Start("judge", "judge.yaml");
        var api = Start("api", "api.yaml");
        await trainer.SeenAsync("published snapshot 0 with the initial policy and the run's assets", Patience);
        await SnapshotsAsync(3, "the cluster started");

        doomed.Kill();
        await SnapshotsAsync(3, "SIGKILL rollout-2", kill: true);

        trainer.Kill();
        trainer = Start("trainer", "trainer.yaml", name: "trainer-restarted");
        await SnapshotsAsync(3, "SIGKILL trainer, started again", kill: true);

        await _postgres.StopAsync(CancellationToken.None);
        await MarkAsync("PostgreSQL stopped");
        await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await _postgres.StartAsync(CancellationToken.None);
        await SnapshotsAsync(3, "PostgreSQL started after 10 s");

        // As Kubernetes restarts a pod: SIGTERM, then a new process on the same volume.
        await _azurite.StopAsync(CancellationToken.None);
        await MarkAsync("Azurite stopped");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        await _azurite.StartAsync(CancellationToken.None);
        await SnapshotsAsync(3, "Azurite started after 3 s");

        // Orleans keeps one activation of the run's trainer: the second trainer silo joins, starts it (a no-op) and trains nothing.
        var standby = Start("trainer", "trainer.yaml", name: "trainer-second");
        await standby.SeenAsync($"run {_run} open on this silo", Patience);
        await SnapshotsAsync(2, "a second trainer silo joined");
        var latest = (await _stores.Snapshots.LatestAsync(Ct))!;
        var content = await _stores.Snapshots.GetAsync(latest.Version, Ct);
        await Assert.ThrowsAsync<SnapshotConflictException>(() =>
            _stores.Snapshots.PublishAsync(new SnapshotPublication(latest.Version, content.Files, [], latest.TrainerStep, """{"zombie":true}"""), Ct));
        await MarkAsync($"a zombie publish of snapshot {latest.Version} was refused");

        await AssertApiServesTheRunAsync(api, latest.Version);

        var alive = _silos.Where(s => s != doomed && s.Name != "trainer").ToList();
        foreach (var silo in alive) Assert.False(silo.HasExited, $"silo {silo.Name} exited on its own:\n{string.Join("\n", silo.Lines.TakeLast(20))}");
        Assert.DoesNotContain(standby.Lines, l => l.Contains("trainer: 1 activations", StringComparison.Ordinal));
        foreach (var silo in alive) silo.Terminate();
        foreach (var silo in alive) Assert.True(await silo.WaitForExitAsync(Patience) == 0, $"silo {silo.Name} did not exit 0 on SIGTERM:\n{string.Join("\n", silo.Lines.TakeLast(20))}");
        foreach (var silo in alive) Assert.Contains(silo.Lines, l => l.EndsWith("stopped cleanly", StringComparison.Ordinal));
        await MarkAsync("every silo stopped cleanly on SIGTERM");
        Print();

        var snapshots = await _stores.Snapshots.ListAsync(Ct);
        Assert.Equal(Enumerable.Range(0, snapshots.Count).Select(v => (long)v), snapshots.Select(s => s.Version));
        for (var i = 1; i < snapshots.Count; i++) Assert.True(snapshots[i].PublishedAt >= snapshots[i - 1].PublishedAt, $"snapshot {i} was published before snapshot {i - 1}");
        var trained = new List<string>();
        foreach (var s in snapshots) trained.AddRange(await _stores.Lineage.PreferencesInAsync(s.Version, Ct));
        Assert.True(trained.Count > 0, "no preference was trained");
        Assert.Equal(trained.Count, trained.Distinct().Count());
        // Retention kept few snapshots' files, but every row and its lineage, and what it kept still reads and verifies.
        var removed = 0;
        foreach (var s in snapshots)
            try
            {
                await _stores.Snapshots.GetAsync(s.Version, Ct);
            }
            catch (KeyNotFoundException e) when (e.Message.Contains("retention policy", StringComparison.Ordinal))
            {
                removed++;
            }
        TestContext.Current.TestOutputHelper?.WriteLine($"{snapshots.Count} snapshots, {removed} of them without files after retention");
        Assert.True(removed > 0 && removed < snapshots.Count - 2, $"retention removed {removed} of {snapshots.Count} snapshots' files");
        var report = await _stores.VerifyLineageAsync(Ct);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        await AssertDeadLettersExplainedAsync();

        var (exit, verify) = await SiloProcess.RunFpoAsync(["lineage", "verify", "--db", _postgres.ConnectionString, "--run", _run], Patience);
        TestContext.Current.TestOutputHelper?.WriteLine(verify);
        Assert.True(exit == 0, $"fpo lineage verify failed:\n{verify}");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The api silo, a separate process, reports the run through the backbone and the journal others write: the snapshot
    // the trainer published, every stream's depths, the evaluator's results; and /metrics carries the queue depths.
    private async Task AssertApiServesTheRunAsync(SiloProcess api, long atLeast)
    {
        const string Marker = "api: dashboard and API at ";
        await api.SeenAsync(Marker, Patience);
        var line = api.Lines.First(l => l.Contains(Marker, StringComparison.Ordinal));
        var address = line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Split(' ')[0];
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(20) };
        using var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/run", Ct));
        Assert.True(status.RootElement.GetProperty("snapshotVersion").GetInt64() >= atLeast, status.RootElement.ToString());
        Assert.True(status.RootElement.GetProperty("queues").TryGetProperty(StreamNamespaces.Preferences, out _), status.RootElement.ToString());
        var metrics = await http.GetStringAsync("metrics", Ct);
        Assert.Contains("fpo_stream_records{state=\"pending\",stream=\"pairs\"}", metrics, StringComparison.Ordinal);
        await MarkAsync($"the api silo at {address} reports snapshot {status.RootElement.GetProperty("snapshotVersion").GetInt64()}");
    }

    private SiloProcess Start(string role, string config, string? name = null)
    {
        name ??= role;
        var sets = new List<string>
        {
            $"backbone.run={_run}", $"silo.work={Path.Combine(_root, "work", name)}", "silo.status_seconds=2",
        };
        if (role == "trainer")
            sets.AddRange(["task.size=tiny", "snapshots.keep_newest=3", "snapshots.keep_every=0", "snapshots.full_every=4", $"run.data={Path.Combine(_root, "data")}", "trainer.snapshot_every=2", "trainer.batch_size=4",
                "trainer.batch_wait_seconds=1", "trainer.max_policy_lag=4", "rollout.batch_prompts=4", "loop.max_in_flight=16"]);
        if (role.StartsWith("rollout", StringComparison.Ordinal)) sets.AddRange(["rollout.batch_prompts=4", "rollout.max_new_tokens=16"]);
        // Every silo picks a free port for its probes; the api silo serves the API there once the run's model is loaded.
        sets.Add("api.port=0");
        if (role == "api") sets.AddRange(["api.serve_openai=false", "evaluator.max_new_tokens=16"]);
        var silo = SiloProcess.Start(name, Path.Combine(RepoPaths.Root, "silo-config", config), sets, _postgres.ConnectionString, _root,
            blobConnection: _azurite.ConnectionString);
        _silos.Add(silo);
        return silo;
    }

    // Marks the event, then waits until the run has published `more` snapshots after it and marks that too; after a
    // kill, the time to the next snapshot is marked as well.
    private async Task SnapshotsAsync(int more, string after, bool kill = false)
    {
        var at = _clock.Elapsed;
        var from = await MarkAsync(after);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(Patience);
        try
        {
            var first = true;
            await foreach (var s in _stores.Snapshots.WatchAsync(from, limit.Token))
            {
                if (first && kill && s.Version > from)
                    _timeline.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,6:F1} s    next snapshot {s.Version}: {(_clock.Elapsed - at).TotalSeconds:F1} s after \"{after}\""));
                first &= s.Version <= from;
                if (s.Version >= from + more) break;
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Print();
            Assert.Fail($"no snapshot {from + more} within {Patience.TotalSeconds} s after \"{after}\"; silos:\n" +
                string.Join("\n", _silos.Select(s => $"{s.Name}: {string.Join("\n  ", s.Lines.TakeLast(8))}")));
        }
        await MarkAsync($"  snapshot {from + more} published");
    }

    private async Task<long> MarkAsync(string what)
    {
        var latest = _postgres.IsRunning ? (await _stores.Snapshots.LatestAsync(Ct))?.Version ?? -1 : -1;
        _timeline.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}{(_postgres.IsRunning ? $" (latest snapshot {latest})" : "")}"));
        return latest;
    }

    private void Print() => TestContext.Current.TestOutputHelper?.WriteLine("timeline:\n" + string.Join("\n", _timeline));

    // Both kinds of dead letters carry their reason: records a grain gave up on (the run journal) and stream messages
    // whose delivery kept failing (the PostgreSQL stream provider's dead letters).
    private async Task AssertDeadLettersExplainedAsync()
    {
        var dead = new List<(string Where, string Reason)>();
        foreach (var e in await _stores.Journal.ReadAsync(JournalKinds.DeadLetter, 0, int.MaxValue, Ct))
        {
            var record = JsonSerializer.Deserialize<DeadLetterRecord>(e.Json, JournalKinds.Json)!;
            dead.Add(($"grain {record.Stream}/{record.Id}", record.Reason));
        }
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<ObjectSerializer>();
        await using (var queues = new PostgresStreamQueues(_postgres.ConnectionString, PostgresProviders.ServiceId, serializer))
            dead.AddRange((await queues.DeadLettersAsync(FpoProviders.Streams, 1000, Ct)).Select(d => ($"stream {d.StreamNamespace}/{d.StreamKey} after {d.Attempts} attempts", d.Reason)));
        TestContext.Current.TestOutputHelper?.WriteLine($"dead letters: {dead.Count}" + string.Concat(dead.Select(d => $"\n  {d.Where}: {d.Reason}")));
        foreach (var d in dead) Assert.True(d.Reason.Length >= 10, $"dead letter {d.Where} has no explaining reason: '{d.Reason}'");
    }
}
