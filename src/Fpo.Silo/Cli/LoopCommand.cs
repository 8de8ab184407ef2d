using Orleans.Hosting;
using System.CommandLine;
using System.Globalization;
using Fpo.Grains.Embedded;
using Fpo.Grains.Loop;
using Fpo.Silo.Cli.Loop;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo loop`: the online RLAIF loop in one process on one in-process Orleans silo. Settings come from
/// silo-config/local.yaml, FPO__section__key environment variables and the options, in that order; the run folder
/// runs/NAME holds the effective config, metrics.jsonl, the Orleans streams and grain state (orleans/), snapshots,
/// lineage, journal and feature statistics, the trainer's checkpoints and, at the end, chart.svg. While it runs, the silo's HTTP API and dashboard
/// listen on the api section's address (127.0.0.1:8088 by default; the URL is printed); stopping the loop through the
/// API keeps the process serving until POST /api/run/start resumes the run or Ctrl+C ends it.
/// </summary>
public static class LoopCommand
{
    public const string ConfigCopy = "config.yaml";

    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "Settings (YAML); default silo-config/local.yaml when it exists. Every key is documented there." };
        var resume = new Option<string?>("--resume") { Description = "Continue run RUN (a folder under run.runs, or a path) from its last snapshot, with its optimizer state, streams and lineage and its saved settings." };
        var name = new Option<string?>("--name") { Description = "Name of the new run folder under run.runs (default loop-YYYYMMDD-HHMMSS)." };
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "Stop cleanly after this many minutes (run.max_minutes)." };
        var maxSnapshots = new Option<int?>("--max-snapshots") { Description = "Stop once this snapshot version is published and evaluated (run.max_snapshots)." };
        var method = new Option<string?>("--method") { Description = "Preference method: fpo (default), dpo, simpo, tdpo1, tdpo2 (trainer.method)." };
        var size = new Option<string?>("--task-size") { Description = "Built-in task size: default or tiny (task.size)." };
        var model = new Option<string?>("--model") { Description = "Hugging Face model folder to align instead of the built-in policy (task.model; needs --train-prompts, --held-out-prompts and --judge)." };
        var sae = new Option<string?>("--sae") { Description = "SAELens SAE folder on that model (task.sae)." };
        var train = new Option<string?>("--train-prompts") { Description = "JSONL of training prompts {\"prompt\": ...} (task.train_prompts)." };
        var heldOut = new Option<string?>("--held-out-prompts") { Description = "JSONL of held-out prompts for the evaluator (task.held_out_prompts)." };
        var judge = new Option<string?>("--judge") { Description = "Judge config YAML, e.g. silo-config/judges/openai-local.yaml for an OpenAI-compatible server (task.judge)." };
        var data = new Option<string?>("--data") { Description = "Folder where the built-in task is prepared and cached (run.data)." };
        var runs = new Option<string?>("--runs") { Description = "Folder of the run folders (run.runs)." };
        var port = new Option<int?>("--port") { Description = "Port of the HTTP API and dashboard (api.port; 0 picks a free one)." };
        var set = new Option<string[]>("--set") { Description = "SECTION.KEY=VALUE: any other setting of the config (repeatable), e.g. --set trainer.learning_rate=3e-4." };

        var command = new Command("loop", "Run the online RLAIF loop: rollouts from the current policy, reference data, AI-judge preferences, FPO (or DPO, SimPO, TDPO) training, new snapshots, and an evaluator against the reference; a live view, a run folder, Ctrl+C stops cleanly, --resume continues. Settings: silo-config/local.yaml, then environment variables FPO__section__key (e.g. FPO__trainer__method=dpo), then these options.")
        {
            config, resume, name, maxMinutes, maxSnapshots, method, size, model, sae, train, heldOut, judge, data, runs, port, set,
        };
        command.SetAction(async (parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var error = parse.InvocationConfiguration.Error;
            var overrides = new List<(string Path, string? Value, string Source)>
            {
                ("run.max_minutes", Text(parse.GetValue(maxMinutes)), "--max-minutes"),
                ("run.max_snapshots", Text(parse.GetValue(maxSnapshots)), "--max-snapshots"),
                ("trainer.method", parse.GetValue(method), "--method"),
                ("task.size", parse.GetValue(size), "--task-size"),
                ("task.model", parse.GetValue(model), "--model"),
                ("task.sae", parse.GetValue(sae), "--sae"),
                ("task.train_prompts", parse.GetValue(train), "--train-prompts"),
                ("task.held_out_prompts", parse.GetValue(heldOut), "--held-out-prompts"),
                ("task.judge", parse.GetValue(judge), "--judge"),
                ("run.data", parse.GetValue(data), "--data"),
                ("run.runs", parse.GetValue(runs), "--runs"),
                ("api.port", Text(parse.GetValue(port)), "--port"),
            };
            foreach (var s in parse.GetValue(set) ?? []) overrides.Add(LoopConfig.ParseSet(s, LoopConfigKeys.All));

            string runDir;
            LoopConfig settings;
            var resumed = parse.GetValue(resume);
            if (resumed is not null)
            {
                var defaults = LoopConfig.Load(null, Environment.GetEnvironmentVariables(), overrides);
                runDir = Directory.Exists(resumed) ? Path.GetFullPath(resumed) : Path.Combine(defaults.PathValue("run.runs")!, resumed);
                var saved = Path.Combine(runDir, ConfigCopy);
                if (!File.Exists(saved)) throw new CliException($"--resume {resumed}: {runDir} is not a loop run folder (no {ConfigCopy})");
                settings = LoopConfig.Load(saved, Environment.GetEnvironmentVariables(), overrides);
            }
            else
            {
                settings = LoopConfig.Load(parse.GetValue(config)?.FullName ?? DefaultConfig(), Environment.GetEnvironmentVariables(), overrides);
                var runName = parse.GetValue(name) ?? "loop-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
                runDir = Path.Combine(settings.PathValue("run.runs")!, runName);
                if (Directory.Exists(runDir) && Directory.EnumerateFileSystemEntries(runDir).Any())
                    throw new CliException($"{runDir} already holds a run; pass --resume {runName} to continue it or choose another --name");
            }
            var loopSettings = LoopSettingsReader.Read(settings);
            var apiOptions = ApiSettingsReader.Read(settings, Environment.GetEnvironmentVariables());
            var assets = LoopAssetsLoader.Load(settings, cancel);
            Directory.CreateDirectory(runDir);
            await File.WriteAllTextAsync(Path.Combine(runDir, ConfigCopy), settings.ToYaml(), CancellationToken.None).ConfigureAwait(false);
            error.WriteLine($"fpo: run folder {runDir}; {assets.TrainPrompts.Count} training and {assets.HeldOutPrompts.Count} held-out prompts; judge {assets.Judge.Name}; method {loopSettings.Trainer.Training.Method}");

            await using var stores = EmbeddedRunStores.Open(runDir);
            foreach (var warning in stores.Warnings) error.WriteLine($"fpo: {warning}");
            // The API's Orleans dashboard reads each run's silo through the part of it the silo hosts.
            Action<ISiloBuilder>? orleansDashboard = apiOptions is null ? null : OrleansDashboardApi.AddToSilo;
            var host = await LoopHost.OpenAsync(stores, assets, loopSettings, runDir, cancel, configureSilo: orleansDashboard).ConfigureAwait(false);
            if (resumed is not null) error.WriteLine($"fpo: resuming at {await ResumePointAsync(host).ConfigureAwait(false)}");
            LoopRunView? view = null;
            RunningSiloApi? api = null;
            try
            {
                if (apiOptions is not null)
                {
                    var runModel = await RunModel.CreateAsync(stores, assets, loopSettings, cancel).ConfigureAwait(false);
                    view = new LoopRunView(stores, runModel);
                    view.Attach(host);
                    api = await StartApiAsync(apiOptions, view, cancel).ConfigureAwait(false);
                    error.WriteLine($"fpo: dashboard and API at {api.Address} (API description at {api.Address}openapi.json, metrics at {api.Address}metrics, Orleans dashboard at {api.Address}orleans/)" +
                        (apiOptions.Token is null ? "; no token" : $"; token required: the dashboard takes it as {api.Address}#token=TOKEN"));
                }
                while (true)
                {
                    var stop = await LoopView.ShowAsync(host, () => host.RunAsync(cancel), error).ConfigureAwait(false);
                    view?.Detach();
                    await LoopReport.WriteAsync(host, runDir, error).ConfigureAwait(false);
                    host.Dispose();
                    if (view is null || !view.StoppedThroughApi || cancel.IsCancellationRequested)
                    {
                        error.WriteLine($"fpo: stopped ({stop}); continue with ./fpo loop --resume {Path.GetFileName(runDir)}");
                        break;
                    }
                    error.WriteLine($"fpo: stopped through the API; POST {api!.Address}api/run/start resumes, Ctrl+C exits");
                    try
                    {
                        await view.WaitForStartAsync(cancel).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        error.WriteLine($"fpo: stopped; continue with ./fpo loop --resume {Path.GetFileName(runDir)}");
                        break;
                    }
                    host = await LoopHost.OpenAsync(stores, assets, loopSettings, runDir, cancel, configureSilo: orleansDashboard).ConfigureAwait(false);
                    error.WriteLine($"fpo: resumed through the API at {await ResumePointAsync(host).ConfigureAwait(false)}");
                    view.Attach(host);
                }
            }
            finally
            {
                if (api is not null) await api.DisposeAsync().ConfigureAwait(false);
                host.Dispose();
            }
            return 0;
        });
        return command;
    }

    private static async Task<RunningSiloApi> StartApiAsync(SiloApiOptions options, LoopRunView view, CancellationToken cancel)
    {
        try
        {
            return await SiloApiServer.StartAsync(options, view, cancel).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException($"api: cannot listen on {options.Host}:{options.Port} ({e.Message}); choose another api.port, --port 0 for a free one, or api.enabled: false");
        }
    }

    private static async Task<string> ResumePointAsync(LoopHost host)
    {
        var status = await host.StatusAsync(CancellationToken.None).ConfigureAwait(false);
        return $"snapshot {status.SnapshotVersion}, trainer step {status.TrainerSteps}";
    }

    private static string? Text(double? x) => x?.ToString(CultureInfo.InvariantCulture);

    private static string? Text(int? x) => x?.ToString(CultureInfo.InvariantCulture);

    // ./fpo runs from anywhere: it exports the repository root, whose silo-config/local.yaml is the default.
    public static string? DefaultConfig()
    {
        var root = Environment.GetEnvironmentVariable("FPO_REPO_ROOT") ?? Directory.GetCurrentDirectory();
        var path = Path.Combine(root, "silo-config", "local.yaml");
        return File.Exists(path) ? path : null;
    }
}
