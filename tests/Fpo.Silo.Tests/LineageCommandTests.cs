using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Embedded;
using Fpo.Grains.Postgres;
using Fpo.Silo.Cli;
using Fpo.Testing;

namespace Fpo.Silo.Tests;

/// <summary>`fpo lineage verify` on a PostgreSQL run and an embedded run folder: counts, violations, exit codes, run choice.</summary>
public sealed class LineageCommandTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fpo-lineage-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class Text : IRecordCodec<string>
    {
        public string Encode(string value) => value;
        public string Decode(string text) => text;
    }

    /// <summary>p1, p2 trained into snapshot 1 (and acknowledged with it), p3 pending; with <paramref name="lose"/>, p3 acknowledged without a snapshot.</summary>
    private static async Task FillAsync(IBackbone backbone, bool lose)
    {
        var preferences = backbone.Stream(StreamNames.Preferences, new Text());
        await preferences.PublishAsync([new("p1", "a"), new("p2", "b"), new("p3", "c")], Ct);
        await backbone.Snapshots.PublishAsync(new SnapshotPublication(0, new Dictionary<string, byte[]> { ["w"] = [0] }, [], 0), Ct);
        await backbone.Snapshots.PublishAsync(new SnapshotPublication(1, new Dictionary<string, byte[]> { ["w"] = [1] }, ["p1", "p2"], 1, "{}", StreamNames.Preferences), Ct);
        if (!lose) return;
        var leased = await preferences.LeaseAsync(1, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct);
        await preferences.AcknowledgeAsync(leased, Ct);
    }

    private async Task<string> DatabaseRunAsync(bool lose)
    {
        var run = PostgresFixture.NewRunId("cli");
        await using var backbone = await PostgresBackbone.OpenAsync(new PostgresBackboneOptions { ConnectionString = postgres.ConnectionString, RunId = run }, Ct);
        await FillAsync(backbone, lose);
        return run;
    }

    [Fact]
    public async Task ACleanDatabaseRunHoldsAndPrintsItsCounts()
    {
        var run = await DatabaseRunAsync(lose: false);
        var (exit, output, error) = CliTests.Run("lineage", "verify", "--db", postgres.ConnectionString, "--run", run);
        Assert.True(exit == 0, error + output);
        Assert.Contains($"lineage of run '{run}'", output);
        Assert.Contains("snapshots      2 (latest version 1)", output);
        Assert.Contains("preferences    3", output);
        Assert.Contains("acknowledged 2", output);
        Assert.Contains("pending      1", output);
        Assert.Contains("the lineage holds", output);
    }

    [Fact]
    public async Task ALostPreferenceFailsWithExitOneAndIsNamed()
    {
        var run = await DatabaseRunAsync(lose: true);
        var (exit, output, _) = CliTests.Run("lineage", "verify", "--db", postgres.ConnectionString, "--run", run);
        Assert.Equal(1, exit);
        Assert.Contains("1 violation(s):", output);
        Assert.Contains("preference 'p3' in stream 'preferences' is acknowledged but in no snapshot and not dropped", output);
    }

    [Fact]
    public async Task AnUnknownOrUnspecifiedRunIsAUsageErrorThatListsTheRuns()
    {
        var first = await DatabaseRunAsync(lose: false);
        var second = await DatabaseRunAsync(lose: false);
        var unknown = CliTests.Run("lineage", "verify", "--db", postgres.ConnectionString, "--run", "no-such-run");
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("no such run", unknown.Error);
        Assert.Contains(first, unknown.Error);
        Assert.Contains(second, unknown.Error);
        Environment.SetEnvironmentVariable(LineageCommand.ConnectionVariable, postgres.ConnectionString);
        try
        {
            var unspecified = CliTests.Run("lineage", "verify");
            Assert.Equal(2, unspecified.Exit);
            Assert.Contains("give --run ID", unspecified.Error);
            Assert.Equal(0, CliTests.Run("lineage", "verify", "--run", first).Exit);   // the connection from the environment
        }
        finally
        {
            Environment.SetEnvironmentVariable(LineageCommand.ConnectionVariable, null);
        }
        var nothing = CliTests.Run("lineage", "verify");
        Assert.Equal(2, nothing.Exit);
        Assert.Contains("--run-folder", nothing.Error);
    }

    [Fact]
    public async Task AnEmbeddedRunFolderIsVerifiedToo()
    {
        var clean = Path.Combine(_folder, "clean");
        var broken = Path.Combine(_folder, "broken");
        await using (var backbone = EmbeddedBackbone.Open(clean)) await FillAsync(backbone, lose: false);
        await using (var backbone = EmbeddedBackbone.Open(broken)) await FillAsync(backbone, lose: true);
        var ok = CliTests.Run("lineage", "verify", "--run-folder", clean);
        Assert.True(ok.Exit == 0, ok.Error + ok.Out);
        Assert.Contains("preferences    3", ok.Out);
        var bad = CliTests.Run("lineage", "verify", "--run-folder", broken);
        Assert.Equal(1, bad.Exit);
        Assert.Contains("'p3'", bad.Out);
        Assert.Equal(2, CliTests.Run("lineage", "verify", "--run-folder", Path.Combine(_folder, "missing")).Exit);
        Assert.Equal(2, CliTests.Run("lineage", "verify", "--run-folder", clean, "--run", "x").Exit);
    }

    [Fact]
    public void HelpExplainsTheCheckAndTheSources()
    {
        var (exit, output, _) = CliTests.Run("lineage", "verify", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--db", output);
        Assert.Contains(LineageCommand.ConnectionVariable, output);
        Assert.Contains("--run-folder", output);
        Assert.Contains("exactly one snapshot", output);
    }
}
