using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Fpo.Grains.Embedded;
using Fpo.Grains.Loop;
using Fpo.Silo.Cli.Experiments;
using Fpo.Silo.Cli.Loop;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo experiment frontier`: the loop of the task for each method over a small grid of beta (and alpha for FPO) and
/// several rollout seeds, each run for a fixed budget with no KL controller (so each run traces its own curve), then a
/// table of every run's final length-controlled win rate, the methods compared at matched KL and at matched feature
/// drift with intervals over the seeds, and charts of every snapshot's win rate against KL and against drift. Settings are
/// those of `fpo loop` (silo-config/local.yaml, FPO__ variables); each run gets its own run folder in the experiment
/// folder, and the report is rewritten after every run, so an interrupted experiment keeps what it finished.
/// </summary>
public static class ExperimentCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "Loop settings (YAML); default silo-config/local.yaml when it exists." };
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods.", DefaultValueFactory = _ => "fpo,dpo,simpo,tdpo2" };
        var betaScales = new Option<string>("--beta-scales") { Description = "Comma-separated multiples of each method's default beta (0.1; SimPO 2).", DefaultValueFactory = _ => "1" };
        var alphas = new Option<string>("--alphas") { Description = "Comma-separated alphas for FPO.", DefaultValueFactory = _ => "0.5" };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated rollout seeds; every setting runs once per seed (at least 3 for intervals worth reading).", DefaultValueFactory = _ => "1,2,3" };
        var minutes = new Option<double>("--minutes-per-run") { Description = "Budget of each run in minutes (a clean stop).", DefaultValueFactory = _ => 3 };
        var maxSnapshots = new Option<int?>("--max-snapshots") { Description = "Also stop a run once this snapshot version is published and evaluated." };
        var size = new Option<string?>("--task-size") { Description = "Built-in task size: default or tiny (task.size)." };
        var data = new Option<string?>("--data") { Description = "Folder where the built-in task is prepared and cached (run.data)." };
        var runs = new Option<string?>("--runs") { Description = "Folder that holds the experiment folder (run.runs)." };
        var name = new Option<string?>("--name") { Description = "Name of the experiment folder (default frontier-YYYYMMDD-HHMMSS)." };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Run nothing: write the report of the experiment in this folder again from its frontier.json." };
        var frontier = new Command("frontier", "Run the loop for each method over a grid of beta (and alpha for FPO) and seeds with a fixed budget and no KL controller; write a table (markdown, JSON) of length-controlled win rates, the methods compared at matched KL and drift with intervals over the seeds, and charts of win rate against KL and against feature drift.")
        {
            config, methods, betaScales, alphas, seeds, minutes, maxSnapshots, size, data, runs, name, report,
        };
        frontier.SetAction(async (parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (parse.GetValue(report) is { } existing)
            {
                var previous = FrontierReport.Read(existing.FullName);
                await FrontierReport.WriteAsync(existing.FullName, previous).ConfigureAwait(false);
                output.Write(FrontierReport.Markdown(previous));
                error.WriteLine($"fpo: the report of {previous.Count} runs written again in {existing.FullName}");
                return 0;
            }
            var grid = FrontierGrid.Build(FrontierGrid.Words(parse.GetValue(methods)!),
                FrontierGrid.Numbers("--beta-scales", parse.GetValue(betaScales)!), FrontierGrid.Numbers("--alphas", parse.GetValue(alphas)!),
                FrontierGrid.Integers("--seeds", parse.GetValue(seeds)!));
            var budget = parse.GetValue(minutes);
            if (!(budget > 0 && double.IsFinite(budget))) throw new CliException($"--minutes-per-run must be positive (got {budget})");
            if (parse.GetValue(maxSnapshots) is < 1) throw new CliException($"--max-snapshots must be at least 1 (got {parse.GetValue(maxSnapshots)})");
            List<(string, string?, string)> common =
            [
                ("task.size", parse.GetValue(size), "--task-size"),
                ("run.data", parse.GetValue(data), "--data"),
                ("run.runs", parse.GetValue(runs), "--runs"),
                ("run.max_minutes", budget.ToString(CultureInfo.InvariantCulture), "--minutes-per-run"),
                ("run.max_snapshots", parse.GetValue(maxSnapshots)?.ToString(CultureInfo.InvariantCulture) ?? "", "--max-snapshots"),
                // Every run traces its own curve of win rate against KL; a controller would hold them all at one budget.
                ("trainer.kl_budget", "", "the frontier experiment"),
            ];
            var configPath = parse.GetValue(config)?.FullName ?? LoopCommand.DefaultConfig();
            LoopConfig Settings(FrontierPoint p) => LoopConfig.Load(configPath, Environment.GetEnvironmentVariables(), [.. common, .. p.Overrides()]);

            // Every point's settings are read before the first run, so a bad value fails now, not an hour in.
            var settings = grid.Select(Settings).ToList();
            var loopSettings = settings.Select(LoopSettingsReader.Read).ToList();
            var first = settings[0];
            var folder = Path.Combine(first.PathValue("run.runs")!, parse.GetValue(name) ?? "frontier-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
                throw new CliException($"{folder} already holds an experiment; choose another --name");
            // Every run starts from the same prepared task; the loop only reads the initial policy, so one load serves all.
            var assets = LoopAssetsLoader.Load(first, cancel);
            var results = new List<FrontierResult>();
            for (var i = 0; i < grid.Count && !cancel.IsCancellationRequested; i++)
            {
                var point = grid[i];
                var runDir = Path.Combine(folder, point.Name);
                Directory.CreateDirectory(runDir);
                await File.WriteAllTextAsync(Path.Combine(runDir, LoopCommand.ConfigCopy), settings[i].ToYaml(), CancellationToken.None).ConfigureAwait(false);
                error.WriteLine($"fpo: frontier run {i + 1} of {grid.Count}: {point.Method} {point.Label} in {runDir}");
                var clock = Stopwatch.StartNew();
                await using var stores = EmbeddedRunStores.Open(runDir);
                using var host = await LoopHost.OpenAsync(stores, assets, loopSettings[i], runDir, cancel).ConfigureAwait(false);
                var stop = await LoopView.ShowAsync(host, () => host.RunAsync(cancel), error).ConfigureAwait(false);
                await LoopReport.WriteAsync(host, runDir, error).ConfigureAwait(false);
                var status = await host.StatusAsync(CancellationToken.None).ConfigureAwait(false);
                results.Add(FrontierResult.Of(point, point.Name, status, status.LatestEvaluation, clock.Elapsed, stop,
                    FrontierCurve.Read(Path.Combine(runDir, LoopMetricsLog.FileName))));
                await FrontierReport.WriteAsync(folder, results).ConfigureAwait(false);
            }
            output.Write(FrontierReport.Markdown(results));
            error.WriteLine($"fpo: {results.Count} of {grid.Count} runs; table and charts in {folder} ({FrontierReport.MarkdownFile}, {FrontierReport.JsonFile}, {FrontierReport.KlChart}, {FrontierReport.DriftChart})");
            return results.Count == grid.Count ? 0 : 1;
        });
        return new Command("experiment", "Experiments that run the loop many times and compare the results.") { frontier };
    }
}
