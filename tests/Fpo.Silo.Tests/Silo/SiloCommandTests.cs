using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Silo.SiloApi;
using Microsoft.AspNetCore.TestHost;
using Fpo.Grains.Embedded;
using Fpo.Grains.Stores;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Silo;

/// <summary>`fpo silo` in process: one Orleans silo with every role on the embedded providers; it starts the run from the tiny task, prints status lines and stops cleanly at a snapshot limit.</summary>
public sealed class SiloCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-silo-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // One embedded silo with every compute role on the tiny task, stopping at snapshot 2.
    private (int Exit, string Out, string Error) RunAllInOne(string name, string runs, params string[] extra) =>
        CliTests.Run([
            "silo", "--config", Path.Combine(RepoPaths.Root, "silo-config", "trainer.yaml"),
            "--set", "backbone.kind=embedded", "--set", $"backbone.run={runs}", "--set", $"silo.name={name}",
            "--set", "silo.roles=trainer,prompt_source,rollout,reference,judge,evaluator", "--set", "silo.status_seconds=1",
            "--set", $"run.runs={Path.Combine(_root, "runs")}", "--set", $"run.data={Path.Combine(_root, "data")}", "--set", $"silo.work={Path.Combine(_root, "work")}",
            "--set", "run.max_snapshots=2", "--set", "task.size=tiny", "--set", "trainer.snapshot_every=1", "--set", "trainer.batch_size=4",
            "--set", "trainer.batch_wait_seconds=1", "--set", "rollout.batch_prompts=4", .. extra]);

    [Fact]
    public void Help_names_the_config_the_set_option_and_where_the_connection_comes_from()
    {
        var (exit, output, _) = CliTests.Run("silo", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--config", output);
        Assert.Contains("--set", output);
        Assert.Contains("FPO__backbone__connection", output);
    }

    [Fact]
    public async Task One_silo_with_every_role_starts_the_run_publishes_its_assets_and_stops_cleanly_at_the_limit()
    {
        var (exit, output, error) = RunAllInOne("all-in-one", "one");

        Assert.True(exit == 0, error + output);
        Assert.Contains("all-in-one published snapshot 0 with the initial policy and the run's assets", output);
        Assert.Contains("all-in-one run one open on this silo", output);
        Assert.Contains("all-in-one status | run one | snapshot ", output);
        Assert.Contains("reached snapshot 2; stopping", output);
        Assert.EndsWith("stopped cleanly", output.TrimEnd());
        Assert.True(Directory.Exists(Path.Combine(_root, "work", "one", "trainer")), "the trainer's checkpoints live in the silo's work folder");
        await using var stores = EmbeddedRunStores.Open(Path.Combine(_root, "runs", "one"));
        Assert.True((await stores.Snapshots.LatestAsync(TestContext.Current.CancellationToken))!.Version >= 2);
        Assert.True((await stores.VerifyLineageAsync(TestContext.Current.CancellationToken)).Holds);
    }

    [Fact]
    public async Task Two_runs_side_by_side_both_publish_keep_their_records_apart_verify_their_lineages_and_the_api_lists_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, output, error) = RunAllInOne("two-runs", "fpo-run,dpo-run", "--set", "dpo-run:trainer.method=dpo");

        Assert.True(exit == 0, error + output);
        Assert.Contains("two-runs run fpo-run open on this silo", output);
        Assert.Contains("two-runs run dpo-run open on this silo", output);
        Assert.Contains("| run fpo-run | snapshot ", output);
        Assert.Contains("| run dpo-run | snapshot ", output);
        Assert.True(Directory.Exists(Path.Combine(_root, "runs", ".silo")), "the Orleans queues and grain state of a silo with several runs live apart from every run");
        var views = new List<ClusterRunView>();
        var opened = new List<EmbeddedRunStores>();
        try
        {
            foreach (var (run, method) in new[] { ("fpo-run", "fpo"), ("dpo-run", "dpo") })
            {
                var stores = EmbeddedRunStores.Open(Path.Combine(_root, "runs", run));
                opened.Add(stores);
                var snapshots = await stores.Snapshots.ListAsync(ct);
                Assert.True(snapshots[^1].Version >= 2, $"{run} published only up to snapshot {snapshots[^1].Version}");
                Assert.Contains($"\"method\":\"{method}\"", snapshots[1].Metadata, StringComparison.Ordinal);
                var lineage = await stores.VerifyLineageAsync(ct);
                Assert.True(lineage.Holds, run + ": " + string.Join("\n", lineage.Violations));
                Assert.True(lineage.InSnapshots > 0, $"{run} trained nothing");
                // Record ids carry their run: every label a judge of this run sent and every preference trained is this run's own.
                var labels = (await stores.Journal.ReadAsync(JournalKinds.JudgedBatch, 0, int.MaxValue, ct))
                    .SelectMany(e => JsonSerializer.Deserialize<BatchTally>(e.Json, JournalKinds.Json)!.LabelIds ?? []).ToList();
                Assert.NotEmpty(labels);
                Assert.All(labels, id => Assert.StartsWith($"pair-{run}/", id, StringComparison.Ordinal));
                var assets = RunAssets.Load(await stores.Snapshots.GetAsync(0, ct), Path.Combine(_root, "api", run));
                views.Add(new ClusterRunView(stores, await RunModel.CreateAsync(stores, assets.InitialPolicy.Config, assets.Tokenizer, assets.Sae, assets.SaeDir, driftTopK: 8, ct)));
            }
            await using var app = SiloApiServer.Create(new SiloApiOptions { Port = 0, ServeOpenAi = false }, new RunViews([.. views]), builder => builder.WebHost.UseTestServer());
            await app.StartAsync(ct);
            using var http = app.GetTestClient();
            var runs = await http.GetFromJsonAsync<JsonElement>("/api/runs", ct);
            Assert.Equal(["fpo-run", "dpo-run"], runs.EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
            var dpo = await http.GetFromJsonAsync<JsonElement>("/api/run?run=dpo-run", ct);
            Assert.Equal("dpo-run", dpo.GetProperty("runId").GetString());
            Assert.Equal("fpo-run", (await http.GetFromJsonAsync<JsonElement>("/api/run", ct)).GetProperty("runId").GetString());
            var dpoSnapshots = await http.GetFromJsonAsync<JsonElement>("/api/snapshots?run=dpo-run", ct);
            Assert.Contains("dpo", dpoSnapshots.EnumerateArray().Last().GetRawText(), StringComparison.Ordinal);
            var unknown = await http.GetAsync("/api/run?run=nope", ct);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("fpo-run, dpo-run", await unknown.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            await app.StopAsync(ct);
        }
        finally
        {
            foreach (var stores in opened) await stores.DisposeAsync();
        }
    }

    [Fact]
    public void A_run_scoped_setting_for_a_run_the_silo_does_not_host_is_refused()
    {
        var (exit, _, error) = CliTests.Run("silo", "--config", Path.Combine(RepoPaths.Root, "silo-config", "trainer.yaml"),
            "--set", "backbone.kind=embedded", "--set", "backbone.run=a,b", "--set", "c:trainer.method=dpo", "--set", $"run.runs={Path.Combine(_root, "runs")}");
        Assert.Equal(2, exit);
        Assert.Contains("hosts no run 'c'", error, StringComparison.Ordinal);
    }
}
