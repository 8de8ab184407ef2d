using System.Text.Json;
using Fpo.Grains.Embedded;

namespace Fpo.Silo.Tests;

/// <summary>`fpo loop` in process on a tiny external model, SAE, prompts and judge (the built-in task takes a minute to prepare).</summary>
public sealed class LoopCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-loop-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Help_names_the_options_and_where_settings_come_from()
    {
        var (exit, output, _) = CliTests.Run("loop", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--config", "--resume", "--max-minutes", "--max-snapshots", "--method", "--model", "--judge", "--port", "--set" })
            Assert.Contains(option, output);
        Assert.Contains("local.yaml", output);
        Assert.Contains("FPO__section__key", output);
    }

    [Fact]
    public void A_bad_value_is_an_error_naming_the_key_and_where_it_came_from()
    {
        var config = Write("bad.yaml", "trainer:\n  batch_size: lots\n");
        var (exit, _, error) = CliTests.Run("loop", "--config", config, "--runs", Path.Combine(_root, "runs"));
        Assert.Equal(2, exit);
        Assert.Contains($"{config}:trainer.batch_size: expected an integer, found 'lots'", error);

        var unknown = Write("unknown.yaml", "trainer:\n  batchsize: 8\n");
        (exit, _, error) = CliTests.Run("loop", "--config", unknown);
        Assert.Equal(2, exit);
        Assert.Contains("trainer.batchsize", error);
        Assert.Contains("unknown key", error);

        (exit, _, error) = CliTests.Run("loop", "--config", Write("ok.yaml", "trainer:\n  method: fpo\n"), "--set", "trainer.snapshot_every=0");
        Assert.Equal(2, exit);
        Assert.Contains("--set trainer.snapshot_every: trainer.snapshot_every must be at least 1", error);

        (exit, _, error) = CliTests.Run("loop", "--method", "ppo");
        Assert.Equal(2, exit);
        Assert.Contains("--method: trainer.method: unknown method 'ppo'", error);
    }

    [Fact]
    public async Task Max_snapshots_stops_the_loop_after_that_snapshot_is_evaluated_and_the_run_folder_holds_it()
    {
        var (exit, _, error) = CliTests.Run([.. TinyLoopRun.Args(_root), "--name", "t", "--max-snapshots", "2"]);

        Assert.True(exit == 0, error);
        Assert.Contains("stopped (MaxSnapshots)", error);
        Assert.Matches(@"fpo: dashboard and API at http://127\.0\.0\.1:\d+/ ", error);
        var run = Path.Combine(_root, "runs", "t");
        Assert.Contains("max_snapshots: 2  # --max-snapshots", File.ReadAllText(Path.Combine(run, "config.yaml")));
        var evaluations = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "evaluation").Select(e => e.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(0, evaluations[0]);
        Assert.Equal(2, evaluations[^1]);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(run, "chart.svg")));
        await using var stores = EmbeddedRunStores.Open(run);
        Assert.Equal(2, (await stores.Snapshots.LatestAsync(TestContext.Current.CancellationToken))!.Version);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
