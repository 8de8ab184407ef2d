using System.Diagnostics;
using System.Globalization;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Contracts.Codecs;
using Fpo.Grains.Postgres;
using Fpo.Silo.Bench.Cluster;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Cluster;

/// <summary>
/// Issue 8's cluster: real `fpo silo` processes (1 trainer, 2 rollout, 1 reference, 1 judge) on a real PostgreSQL on
/// 127.0.0.1, running the tiny built-in task, through a SIGKILLed rollout silo, a SIGKILLed and restarted trainer and a
/// ten-second database outage; then `fpo lineage verify` and the invariants it rests on, checked again here.
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
    private PostgresBackbone _backbone = null!;

    public async ValueTask InitializeAsync()
    {
        _postgres = await LocalPostgresServer.CreateAsync(CancellationToken.None);
        _backbone = await PostgresBackbone.OpenAsync(new PostgresBackboneOptions { ConnectionString = _postgres.ConnectionString, RunId = _run }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) silo.Dispose();
        await _backbone.DisposeAsync();
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
        // A prompt no policy position can hold: the rollout silos fail it until it is dead-lettered with the reason.
        var poison = string.Join(" ", Enumerable.Repeat("the cat sat on the mat", 60));
        await _backbone.Stream(StreamNames.Prompts, PromptCodec.Instance).PublishAsync([new StreamItem<PromptRecord>("prompt-poison", new PromptRecord("prompt-poison", poison))], Ct);
        await SnapshotsAsync(3, "the cluster started; a prompt too long for the policy published");

        doomed.Kill();
        await SnapshotsAsync(3, "SIGKILL rollout-2");

        trainer.Kill();
        await MarkAsync("SIGKILL trainer");
        trainer = Start("trainer", "trainer.yaml", name: "trainer-restarted");
        await trainer.SeenAsync("trainer: elected for run", Patience);
        await trainer.SeenAsync("trainer: training run", Patience);
        await SnapshotsAsync(3, "trainer restarted");

        await _postgres.StopAsync(CancellationToken.None);
        await MarkAsync("PostgreSQL stopped");
        await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await _postgres.StartAsync(CancellationToken.None);
        await SnapshotsAsync(3, "PostgreSQL started after 10 s");

        var standby = Start("trainer", "trainer.yaml", name: "trainer-second");
        await standby.SeenAsync($"waiting: another trainer holds run {_run}", Patience);
        await SnapshotsAsync(2, "a second trainer waits");
        var latest = (await _backbone.Snapshots.LatestAsync(Ct))!;
        var content = await _backbone.Snapshots.GetAsync(latest.Version, Ct);
        await Assert.ThrowsAsync<SnapshotConflictException>(() =>
            _backbone.Snapshots.PublishAsync(new SnapshotPublication(latest.Version, content.Files, [], latest.TrainerStep, """{"zombie":true}"""), Ct));
        await MarkAsync($"a zombie publish of snapshot {latest.Version} was refused");

        await AssertApiServesTheRunAsync(api, latest.Version);

        var alive = _silos.Where(s => s != doomed && s.Name != "trainer").ToList();
        foreach (var silo in alive) Assert.False(silo.HasExited, $"silo {silo.Name} exited on its own:\n{string.Join("\n", silo.Lines.TakeLast(20))}");
        Assert.DoesNotContain(standby.Lines, l => l.Contains("trainer: elected", StringComparison.Ordinal));
        standby.Terminate();
        Assert.Equal(0, await standby.WaitForExitAsync(Patience));
        foreach (var silo in alive.Where(s => s != standby)) silo.Terminate();
        foreach (var silo in alive.Where(s => s != standby)) Assert.Equal(0, await silo.WaitForExitAsync(Patience));
        Assert.Contains(trainer.Lines, l => l.EndsWith("stopped cleanly", StringComparison.Ordinal));
        await MarkAsync("every silo stopped cleanly on SIGTERM");
        Print();

        var snapshots = await _backbone.Snapshots.ListAsync(Ct);
        Assert.Equal(Enumerable.Range(0, snapshots.Count).Select(v => (long)v), snapshots.Select(s => s.Version));
        for (var i = 1; i < snapshots.Count; i++) Assert.True(snapshots[i].PublishedAt >= snapshots[i - 1].PublishedAt, $"snapshot {i} was published before snapshot {i - 1}");
        var trained = new List<string>();
        foreach (var s in snapshots) trained.AddRange(await _backbone.Lineage.PreferencesInAsync(s.Version, Ct));
        Assert.True(trained.Count > 0, "no preference was trained");
        Assert.Equal(trained.Count, trained.Distinct().Count());
        var report = await _backbone.Lineage.VerifyAsync(Ct);
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
        Assert.True(status.RootElement.GetProperty("queues").TryGetProperty(StreamNames.Preferences, out _), status.RootElement.ToString());
        var metrics = await http.GetStringAsync("metrics", Ct);
        Assert.Contains("fpo_stream_records{state=\"acknowledged\",stream=\"pairs\"}", metrics, StringComparison.Ordinal);
        await MarkAsync($"the api silo at {address} reports snapshot {status.RootElement.GetProperty("snapshotVersion").GetInt64()}");
    }

    private SiloProcess Start(string role, string config, string? name = null)
    {
        name ??= role;
        var sets = new List<string>
        {
            $"backbone.run={_run}", $"silo.work={Path.Combine(_root, "work", role)}", "silo.status_seconds=2", "silo.lead_poll_seconds=0.5",
            "silo.restart_seconds=1", "loop.lease_visibility_seconds=6", "loop.lease_wait_seconds=0.2",
        };
        if (role == "trainer")
            sets.AddRange(["task.size=tiny", $"run.data={Path.Combine(_root, "data")}", "trainer.snapshot_every=2", "trainer.batch_size=4",
                "trainer.batch_wait_seconds=1", "trainer.max_policy_lag=4", "rollout.batch_prompts=4", "loop.max_in_flight=16"]);
        if (role.StartsWith("rollout", StringComparison.Ordinal)) sets.AddRange(["rollout.batch_prompts=4", "rollout.max_new_tokens=16"]);
        // Every silo picks a free port for its probes; the api silo serves the API there once the run's model is loaded.
        sets.Add("api.port=0");
        if (role == "api") sets.AddRange(["api.serve_openai=false", "evaluator.max_new_tokens=16"]);
        var silo = SiloProcess.Start(name, Path.Combine(RepoPaths.Root, "silo-config", config), sets, _postgres.ConnectionString, _root);
        _silos.Add(silo);
        return silo;
    }

    // Marks the event, then waits until the run has published `more` snapshots after it and marks that too.
    private async Task SnapshotsAsync(int more, string after)
    {
        var from = await MarkAsync(after);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(Patience);
        try
        {
            await foreach (var s in _backbone.Snapshots.WatchAsync(from, limit.Token))
                if (s.Version >= from + more) break;
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
        var latest = _postgres.IsRunning ? (await _backbone.Snapshots.LatestAsync(Ct))?.Version ?? -1 : -1;
        _timeline.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}{(_postgres.IsRunning ? $" (latest snapshot {latest})" : "")}"));
        return latest;
    }

    private void Print() => TestContext.Current.TestOutputHelper?.WriteLine("timeline:\n" + string.Join("\n", _timeline));

    private async Task AssertDeadLettersExplainedAsync()
    {
        var dead = new List<(string Stream, string Id, string Error)>();
        dead.AddRange((await _backbone.Stream(StreamNames.Prompts, PromptCodec.Instance).DeadLettersAsync(Ct)).Select(d => (StreamNames.Prompts, d.Id, d.Error)));
        dead.AddRange((await _backbone.Stream(StreamNames.Pairs, RolloutPairCodec.Instance).DeadLettersAsync(Ct)).Select(d => (StreamNames.Pairs, d.Id, d.Error)));
        dead.AddRange((await _backbone.Stream(StreamNames.Annotated, RolloutPairCodec.Instance).DeadLettersAsync(Ct)).Select(d => (StreamNames.Annotated, d.Id, d.Error)));
        dead.AddRange((await _backbone.Stream<PreferencePair>(StreamNames.Preferences, PreferenceCodec.Instance).DeadLettersAsync(Ct)).Select(d => (StreamNames.Preferences, d.Id, d.Error)));
        TestContext.Current.TestOutputHelper?.WriteLine($"dead letters: {dead.Count}" + string.Concat(dead.Select(d => $"\n  {d.Stream}/{d.Id}: {d.Error}")));
        Assert.Contains(dead, d => d.Id == "prompt-poison" && d.Error.Contains("exceed the model's 128 positions", StringComparison.Ordinal));
        foreach (var d in dead) Assert.True(d.Error.Length >= 10, $"dead letter {d.Stream}/{d.Id} has no explaining error: '{d.Error}'");
    }
}
