using System.CommandLine;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Hosting;
using Fpo.Grains.Runs;
using Fpo.Grains.Stores;
using Fpo.Silo.Cli.Loop;
using Fpo.Silo.Cli.Silo;
using Fpo.Silo.SiloApi;
using Microsoft.Extensions.Hosting;
using Orleans;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo silo`: one Orleans silo of a cluster run. It joins the cluster on the configured
/// backbone — PostgreSQL, whose connection string comes from FPO__backbone__connection only — hosts the grains of the
/// roles its config names (placement by role), opens the run from snapshot 0 (a trainer silo publishes it when the run
/// is empty), starts the singletons its roles name and prints a status line every few seconds. Orleans keeps one
/// activation of each singleton and moves the grains of a dead silo. SIGTERM (or Ctrl+C) stops the silo gracefully:
/// its grains deactivate, and the trainer publishes what it trained.
/// </summary>
public static class SiloCommand
{
    private static readonly TimeSpan LimitCheck = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The silo's settings (YAML), e.g. silo-config/rollout.yaml; every key is documented there.", Required = true };
        var set = new Option<string[]>("--set") { Description = "SECTION.KEY=VALUE: any setting of the config (repeatable), e.g. --set rollout.grains=2; RUN:SECTION.KEY=VALUE sets it for one run of backbone.run only, e.g. --set dpo-run:trainer.method=dpo." };
        var command = new Command("silo", "Run one Orleans silo of a cluster run: it hosts the grains of the roles its config names (trainer, prompt_source, rollout, reference, judge, evaluator, api) in a cluster on PostgreSQL shared by every silo of the run (backbone.run may name several runs side by side, each with its own stores and grains). Settings: the --config file, then environment variables FPO__section__key (the connection string only from FPO__backbone__connection), then --set. SIGTERM stops cleanly.")
        {
            config, set,
        };
        command.SetAction(async (parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var sets = parse.GetValue(set) ?? [];
            var overrides = sets.Where(s => RunOfSet(s) is null).Select(s => LoopConfig.ParseSet(s, SiloConfigKeys.All)).ToList();
            var configPath = parse.GetValue(config)!.FullName;
            var settings = LoopConfig.Load(configPath, Environment.GetEnvironmentVariables(), overrides, SiloConfigKeys.All, "fpo silo", []);
            var (silo, storeOptions) = SiloSettingsReader.Read(settings);
            var runSettings = RunSettings(configPath, sets, overrides, settings, silo, storeOptions.RunIds);
            var endpoint = SiloSettingsReader.Endpoint(settings);
            var kubernetes = KubernetesHosting.Enabled(settings, Environment.GetEnvironmentVariables(), storeOptions.Kind, endpoint);
            var statusEvery = SiloSettingsReader.StatusInterval(settings);
            var apiOptions = ApiSettingsReader.Read(settings, Environment.GetEnvironmentVariables());
            if (silo.Roles.Contains(RoleNames.Api) && apiOptions is null)
                throw new CliException("silo.roles names api but api.enabled is false: enable the API or drop the role");
            var log = new SiloLog(parse.InvocationConfiguration.Output, silo.Name);
            log.Write($"starting a silo with roles {string.Join(", ", silo.Roles)} on run {string.Join(", ", storeOptions.RunIds)} ({storeOptions.Kind} stores)");

            var stores = new List<IRunStores>();
            try
            {
                foreach (var runId in storeOptions.RunIds) stores.Add(await SiloStores.OpenAsync(storeOptions, runId, log, cancel).ConfigureAwait(false));
                return await RunSiloAsync(silo, storeOptions, runSettings, stores, endpoint, kubernetes, statusEvery, apiOptions, log, cancel).ConfigureAwait(false);
            }
            finally
            {
                foreach (var opened in stores) await opened.DisposeAsync().ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<int> RunSiloAsync(SiloSettings silo, SiloStoreOptions storeOptions, IReadOnlyDictionary<string, (LoopConfig Config, SiloSettings Silo)> runSettings,
        IReadOnlyList<IRunStores> stores, ClusterEndpoint endpoint, bool kubernetes, TimeSpan statusEvery, SiloApiOptions? apiOptions, SiloLog log, CancellationToken cancel)
    {
        using var host = SiloHost.Build(silo, storeOptions, endpoint, kubernetes, log);
        var status = new SiloStatusSource(silo, stores, host.Services);
        // Every silo answers /healthz, /readyz and /metrics (Kubernetes probes, Prometheus, the autoscalers); the api
        // role serves the full API on the same address once the runs' models are loaded.
        await using var probes = apiOptions is null ? null : new SiloProbes(apiOptions, status.StatusAsync, host.Services, log.Write);
        if (probes is not null) await StartProbesAsync(probes, apiOptions!, cancel).ConfigureAwait(false);
        await host.StartAsync(cancel).ConfigureAwait(false);
        log.Write($"silo started in cluster {endpoint.ClusterId}{(kubernetes ? " (Orleans Kubernetes hosting: silo named after its pod, dead pods' silos declared dead)" : "")}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        if (silo.MaxDuration is { } limit) stop.CancelAfter(limit);
        RunningSiloApi? api = null;
        try
        {
            var views = new List<IRunView>();
            foreach (var runStores in stores)
            {
                var (runConfig, runSilo) = runSettings[runStores.RunId];
                var run = await OpenRunAsync(runConfig, runSilo, runStores, host.Services, log, stop.Token).ConfigureAwait(false);
                if (silo.Roles.Contains(RoleNames.Api))
                    views.Add(new ClusterRunView(runStores, await RunModel.CreateAsync(runStores, run.Assets, runSilo.Loop, stop.Token).ConfigureAwait(false), host.Services));
            }
            if (silo.Roles.Contains(RoleNames.Api))
            {
                await probes!.StopAsync().ConfigureAwait(false);
                api = await SiloApiServer.StartAsync(probes.Options, new RunViews(views), stop.Token).ConfigureAwait(false);
                status.ApiActivity = $"serving {api.Address}";
                log.Write($"api: dashboard and API at {api.Address} (API description at {api.Address}openapi.json; runs at {api.Address}api/runs)");
            }
            await WatchAsync(silo, stores, status, statusEvery, log, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        if (api is not null) await api.DisposeAsync().ConfigureAwait(false);
        log.Write("stopping: grains deactivate, the trainer publishes what it trained");
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        log.HostStopped();
        log.Write("stopped cleanly");
        return 0;
    }

    // "RUN:section.key=value" applies to one run of the silo only; the run, or null for a setting of every run.
    private static string? RunOfSet(string option)
    {
        var colon = option.IndexOf(':', StringComparison.Ordinal);
        var eq = option.IndexOf('=', StringComparison.Ordinal);
        return colon > 0 && (eq < 0 || colon < eq) ? option[..colon] : null;
    }

    // The settings of each run: the silo's, with the run's own --set RUN:section.key=value on top, read (and checked)
    // once, before anything starts.
    private static Dictionary<string, (LoopConfig Config, SiloSettings Silo)> RunSettings(string configPath, IReadOnlyList<string> sets,
        List<(string Path, string? Value, string Source)> overrides, LoopConfig shared, SiloSettings sharedSilo, IReadOnlyList<string> runIds)
    {
        var scoped = sets.Select(s => (Run: RunOfSet(s), Option: s)).Where(s => s.Run is not null).ToList();
        foreach (var (run, option) in scoped)
            if (!runIds.Contains(run!, StringComparer.Ordinal))
                throw new CliException($"--set {option}: this silo hosts no run '{run}' (backbone.run names {string.Join(", ", runIds)})");
        var settings = new Dictionary<string, (LoopConfig Config, SiloSettings Silo)>(StringComparer.Ordinal);
        foreach (var run in runIds)
        {
            var own = scoped.Where(s => s.Run == run).Select(s => LoopConfig.ParseSet(s.Option[(run.Length + 1)..], SiloConfigKeys.All)).ToList();
            if (own.Count == 0)
            {
                settings[run] = (shared, sharedSilo);
                continue;
            }
            var config = LoopConfig.Load(configPath, Environment.GetEnvironmentVariables(), [.. overrides, .. own], SiloConfigKeys.All, "fpo silo", []);
            settings[run] = (config, sharedSilo with { Loop = SiloSettingsReader.Read(config).Silo.Loop });
        }
        return settings;
    }

    // The run's assets from snapshot 0 (a trainer silo publishes it when the run is empty), registered with this silo's
    // grains, then the singletons its roles name: starting one that runs elsewhere already is a no-op.
    private static async Task<RunContext> OpenRunAsync(LoopConfig settings, SiloSettings silo, IRunStores stores, IServiceProvider services,
        SiloLog log, CancellationToken cancel)
    {
        Func<CancellationToken, Task<RunAssetSource>>? prepareRun = silo.Roles.Contains(RoleNames.Trainer)
            ? ct => Task.Run(() => LoopAssetsLoader.LoadSource(settings, ct), ct)
            : null;
        var run = await ClusterRun.OpenAsync(stores.RunId, stores, silo, prepareRun, log.Write, cancel).ConfigureAwait(false);
        services.GetRequiredService<RunCatalog>().Register(run);
        services.GetRequiredService<ComputeTurns>().TakeTurns = silo.Loop.TakeTurns;
        var grains = services.GetRequiredService<IGrainFactory>();
        if (silo.Roles.Contains(RoleNames.Trainer)) await grains.GetGrain<ITrainerGrain>(run.RunId).StartAsync().WaitAsync(cancel).ConfigureAwait(false);
        if (silo.Roles.Contains(RoleNames.Evaluator)) await grains.GetGrain<IEvaluatorGrain>(run.RunId).StartAsync().WaitAsync(cancel).ConfigureAwait(false);
        if (silo.Roles.Contains(RoleNames.PromptSource)) await grains.GetGrain<IPromptSourceGrain>(run.RunId).StartAsync().WaitAsync(cancel).ConfigureAwait(false);
        log.Write($"run {run.RunId} open on this silo");
        return run;
    }

    // Status lines until the stop, or until every run reaches run.max_snapshots.
    private static async Task WatchAsync(SiloSettings silo, IReadOnlyList<IRunStores> runs, SiloStatusSource status, TimeSpan statusEvery, SiloLog log, CancellationToken stop)
    {
        var nextStatus = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            if (clock.Elapsed >= nextStatus)
            {
                log.Write(SiloStatusLine.Format(await status.StatusAsync(statusEvery).ConfigureAwait(false)));
                nextStatus = clock.Elapsed + statusEvery;
            }
            if (silo.StopAtVersion is { } version && await ReachedAsync(runs, version, stop).ConfigureAwait(false))
            {
                log.Write($"run {string.Join(", ", runs.Select(r => r.RunId))} reached snapshot {version}; stopping");
                return;
            }
            await Task.Delay(LimitCheck, stop).ConfigureAwait(false);
        }
    }

    private static async Task<bool> ReachedAsync(IReadOnlyList<IRunStores> runs, long version, CancellationToken stop)
    {
        try
        {
            foreach (var run in runs)
                if ((await run.Snapshots.LatestAsync(stop).ConfigureAwait(false))?.Version is not { } latest || latest < version) return false;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The status line reports unreachable stores; the limit is checked again next time.
            return false;
        }
    }

    private static async Task StartProbesAsync(SiloProbes probes, SiloApiOptions options, CancellationToken cancel)
    {
        try
        {
            await probes.StartAsync(cancel).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException($"api: cannot listen on {options.Host}:{options.Port} ({e.Message}); choose another api.port (0 picks a free one) or api.enabled: false");
        }
    }
}
