using System.Text.Json;

namespace Fpo.Silo.Tests.Experiments;

/// <summary>`fpo experiment frontier` end to end on the tiny built-in task: two short runs, their folders, table and charts.</summary>
public sealed class ExperimentFrontierCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-frontier-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void RunsEachPointOfTheGridAndWritesTheTableAndCharts()
    {
        var (exit, output, error) = CliTests.Run("experiment", "frontier", "--task-size", "tiny", "--data", Path.Combine(_root, "data"), "--runs", _root,
            "--name", "e", "--methods", "fpo,dpo", "--beta-scales", "1", "--alphas", "0.5", "--seeds", "1,2", "--max-snapshots", "2", "--minutes-per-run", "5");
        Assert.True(exit == 0, error);
        var folder = Path.Combine(_root, "e");
        Assert.True(File.Exists(Path.Combine(folder, "fpo-b0.1-a0.5-s1", "config.yaml")));
        Assert.Contains("seed: 2", File.ReadAllText(Path.Combine(folder, "dpo-b0.1-s2", "config.yaml")), StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(folder, "dpo-b0.1-s2", "snapshots", "v000002")));
        Assert.Contains("| fpo | 0.1 | 0.5 | 1 | 2 |", output, StringComparison.Ordinal);
        Assert.Contains("| dpo | 0.1 | - | 2 | 2 |", output, StringComparison.Ordinal);
        Assert.Contains("at matched KL/token", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "frontier.json")));
        var runs = json.RootElement.GetProperty("runs");
        Assert.Equal(4, runs.GetArrayLength());
        Assert.All(runs.EnumerateArray(), r => Assert.Equal("MaxSnapshots", r.GetProperty("stop").GetString()));
        Assert.True(runs[0].GetProperty("kl_per_token").GetDouble() > 0, "the trained policy moved away from the reference");
        Assert.True(runs[0].GetProperty("curve").GetArrayLength() >= 2, "the curve holds every evaluated snapshot");
        Assert.True(runs[0].GetProperty("length_controlled_win_rate").ValueKind == JsonValueKind.Number);
        Assert.True(File.Exists(Path.Combine(folder, "frontier-drift.svg")));
        Assert.True(File.Exists(Path.Combine(folder, "dpo-b0.1-s1", "chart.svg")));

        var again = CliTests.Run("experiment", "frontier", "--runs", _root, "--name", "e", "--task-size", "tiny", "--data", Path.Combine(_root, "data"));
        Assert.Equal(2, again.Exit);
        Assert.Contains("already holds an experiment", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadSettingFailsBeforeAnyRunNamingTheKey()
    {
        var config = Path.Combine(_root, "bad.yaml");
        File.WriteAllText(config, "trainer:\n  learning_rate: fast\n");
        var (exit, _, error) = CliTests.Run("experiment", "frontier", "--config", config, "--runs", _root, "--name", "bad", "--methods", "dpo", "--beta-scales", "1");
        Assert.Equal(2, exit);
        Assert.Contains("trainer.learning_rate: expected a number, found 'fast'", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "bad")));
        Assert.Contains("--minutes-per-run must be positive", CliTests.Run("experiment", "frontier", "--minutes-per-run", "0").Error, StringComparison.Ordinal);
    }
}
