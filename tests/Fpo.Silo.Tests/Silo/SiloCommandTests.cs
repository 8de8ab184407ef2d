using Fpo.Grains.Embedded;
using Fpo.Grains.Stores;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Silo;

/// <summary>`fpo silo` in process: one Orleans silo with every role on the embedded providers; it starts the run from the tiny task, prints status lines and stops cleanly at a snapshot limit.</summary>
public sealed class SiloCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-silo-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

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
        var (exit, output, error) = CliTests.Run("silo", "--config", Path.Combine(RepoPaths.Root, "silo-config", "trainer.yaml"),
            "--set", "backbone.kind=embedded", "--set", "backbone.run=one", "--set", "silo.name=all-in-one",
            "--set", "silo.roles=trainer,prompt_source,rollout,reference,judge,evaluator", "--set", "silo.status_seconds=1",
            "--set", $"run.runs={Path.Combine(_root, "runs")}", "--set", $"run.data={Path.Combine(_root, "data")}", "--set", $"silo.work={Path.Combine(_root, "work")}",
            "--set", "run.max_snapshots=2", "--set", "task.size=tiny", "--set", "trainer.snapshot_every=1", "--set", "trainer.batch_size=4",
            "--set", "trainer.batch_wait_seconds=1", "--set", "rollout.batch_prompts=4");

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
}
