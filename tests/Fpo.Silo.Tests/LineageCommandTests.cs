using System.Text.Json;
using Fpo.Grains.Stores;
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

    /// <summary>
    /// A judge sent p1, p2, p3; p1 and p2 are trained into snapshot 1, p3 awaits training. With <paramref name="stray"/>,
    /// snapshot 1 also holds p4, which no judge sent.
    /// </summary>
    private static async Task FillAsync(IRunStores stores, bool stray)
    {
        await stores.Journal.AppendAsync(JournalKinds.JudgedBatch, "b1",
            JsonSerializer.Serialize(new BatchTally(3, 3, 0, 0, ["p1", "p2", "p3"]), JournalKinds.Json), Ct);
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, new Dictionary<string, byte[]> { ["w"] = [0] }, [], 0), Ct);
        await stores.Snapshots.PublishAsync(new SnapshotPublication(1, new Dictionary<string, byte[]> { ["w"] = [1] }, stray ? ["p1", "p2", "p4"] : ["p1", "p2"], 1), Ct);
    }

    private async Task<string> DatabaseRunAsync(bool stray)
    {
        var run = PostgresFixture.NewRunId("cli");
        await using var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = postgres.ConnectionString, RunId = run }, Ct);
        await FillAsync(stores, stray);
        return run;
    }

    [Fact]
    public async Task ACleanDatabaseRunHoldsAndPrintsItsCounts()
    {
        var run = await DatabaseRunAsync(stray: false);
        var (exit, output, error) = CliTests.Run("lineage", "verify", "--db", postgres.ConnectionString, "--run", run);
        Assert.True(exit == 0, error + output);
        Assert.Contains($"lineage of run '{run}'", output);
        Assert.Contains("snapshots      2 (latest version 1)", output);
        Assert.Contains("labelled       3", output);
        Assert.Contains("in snapshots 2", output);
        Assert.Contains("awaiting     1", output);
        Assert.Contains("the lineage holds", output);
    }

    [Fact]
    public async Task APreferenceNoJudgeSentFailsWithExitOneAndIsNamed()
    {
        var run = await DatabaseRunAsync(stray: true);
        var (exit, output, _) = CliTests.Run("lineage", "verify", "--db", postgres.ConnectionString, "--run", run);
        Assert.Equal(1, exit);
        Assert.Contains("1 violation(s):", output);
        Assert.Contains("preference 'p4' is in snapshot 1 but no judged batch in the journal sent it", output);
    }

    [Fact]
    public async Task AnUnknownOrUnspecifiedRunIsAUsageErrorThatListsTheRuns()
    {
        var first = await DatabaseRunAsync(stray: false);
        var second = await DatabaseRunAsync(stray: false);
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
        await using (var stores = EmbeddedRunStores.Open(clean)) await FillAsync(stores, stray: false);
        await using (var stores = EmbeddedRunStores.Open(broken)) await FillAsync(stores, stray: true);
        var ok = CliTests.Run("lineage", "verify", "--run-folder", clean);
        Assert.True(ok.Exit == 0, ok.Error + ok.Out);
        Assert.Contains("labelled       3", ok.Out);
        var bad = CliTests.Run("lineage", "verify", "--run-folder", broken);
        Assert.Equal(1, bad.Exit);
        Assert.Contains("'p4'", bad.Out);
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
        Assert.Contains("trained twice", output);
    }
}
