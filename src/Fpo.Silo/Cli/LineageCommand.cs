using System.CommandLine;
using System.Globalization;
using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;
using Fpo.Grains.Postgres;
using Npgsql;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo lineage verify`: checks a run's lineage from its stores (<see cref="LineageVerification"/>: no preference in two
/// snapshots, none both trained and dropped, none in a snapshot that no judge sent, snapshot versions without gaps) and
/// prints the counts and every violation; exit 0 when it holds, 1 on any violation, 2 on a usage error.
/// </summary>
public static class LineageCommand
{
    /// <summary>The environment variable the silo configs name for the run stores' connection string.</summary>
    public const string ConnectionVariable = "FPO__backbone__connection";

    public static Command Create()
    {
        var db = new Option<string>("--db")
        {
            Description = $"PostgreSQL connection string of a cluster's run stores, e.g. \"Host=127.0.0.1;Username=fpo;Database=fpo\" (default: ${ConnectionVariable}).",
        };
        var run = new Option<string>("--run") { Description = "The run id in the database; may be left out when the database holds exactly one run." };
        var runFolder = new Option<DirectoryInfo>("--run-folder") { Description = "An embedded run's folder (as written by `fpo loop`) instead of a database." };
        var verify = new Command("verify",
            "Check a run's lineage: no preference is in two snapshots (trained twice), none is both in a snapshot and dropped, every preference in a snapshot " +
            "was sent by a judge (the journal's judged batches name each label), and snapshot versions run 0..N without gaps. Counts what the judges sent: in " +
            "snapshots, dropped with a reason, or awaiting training in the trainer's persisted inbox. Prints the counts and every violation; exits 0 when the " +
            "lineage holds, 1 when it does not.")
        {
            db, run, runFolder,
        };
        verify.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var folder = parse.GetValue(runFolder);
            var connection = parse.GetValue(db) ?? Environment.GetEnvironmentVariable(ConnectionVariable);
            LineageReport report;
            string source;
            if (folder is not null)
            {
                if (parse.GetValue(db) is not null || parse.GetValue(run) is not null)
                    throw new CliException("--run-folder names an embedded run; do not combine it with --db or --run");
                (report, source) = (await VerifyFolderAsync(folder.FullName, cancel), $"run folder {folder.FullName}");
            }
            else
            {
                if (string.IsNullOrWhiteSpace(connection))
                    throw new CliException($"say which run to verify: --db CONN [--run ID] (or set {ConnectionVariable}), or --run-folder DIR");
                var id = await ChooseRunAsync(connection, parse.GetValue(run), cancel);
                (report, source) = (await VerifyDatabaseAsync(connection, id, parse.InvocationConfiguration.Error, cancel), $"run '{id}'");
            }
            Print(output, source, report);
            return report.Holds ? 0 : 1;
        });
        var command = new Command("lineage", "Where every preference of a run ended up.");
        command.Subcommands.Add(verify);
        return command;
    }

    private static async Task<string> ChooseRunAsync(string connection, string? run, CancellationToken cancel)
    {
        IReadOnlyList<string> runs;
        try
        {
            runs = await PostgresRunStores.RunsAsync(connection, cancel);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot read the runs of the database: {e.Message}", e);
        }
        var listed = runs.Count == 0 ? "it holds no runs" : "its runs: " + string.Join(", ", runs);
        if (run is not null)
            return runs.Contains(run, StringComparer.Ordinal) ? run : throw new CliException($"--run {run}: no such run in the database; {listed}");
        return runs.Count == 1 ? runs[0] : throw new CliException($"give --run ID: the database does not hold exactly one run; {listed}");
    }

    private static async Task<LineageReport> VerifyDatabaseAsync(string connection, string run, TextWriter error, CancellationToken cancel)
    {
        // A verification should fail, not wait forever, when the database is down.
        var options = new PostgresStoreOptions { ConnectionString = connection, RunId = run, MaxRetries = 5, Log = line => error.WriteLine("fpo: " + line) };
        try
        {
            await using var stores = await PostgresRunStores.OpenAsync(options, cancel);
            return await stores.VerifyLineageAsync(cancel);
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"verifying run '{run}' failed: {e.Message}", e);
        }
    }

    private static async Task<LineageReport> VerifyFolderAsync(string folder, CancellationToken cancel)
    {
        if (!Directory.Exists(Path.Combine(folder, "snapshots")) && !File.Exists(Path.Combine(folder, "journal.jsonl")))
            throw new CliException($"--run-folder {folder}: not an embedded run folder (no snapshots/ or journal.jsonl in it)");
        await using var stores = EmbeddedRunStores.Open(folder);
        return await stores.VerifyLineageAsync(cancel);
    }

    private static void Print(TextWriter output, string source, LineageReport r)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            lineage of {source}
            snapshots      {r.Snapshots} (latest version {r.LatestVersion})
            labelled       {r.Labelled} (preferences the judges sent to the trainer)
              in snapshots {r.InSnapshots}
              dropped      {r.Dropped}
              awaiting     {r.AwaitingTraining} (in the trainer's inbox or on its stream)
            """));
        if (r.Holds)
        {
            output.WriteLine("the lineage holds: no preference lost or trained twice");
            return;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Violations.Count} violation(s):"));
        foreach (var v in r.Violations) output.WriteLine("  " + v);
    }
}
