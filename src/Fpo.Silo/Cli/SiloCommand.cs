using System.CommandLine;
using Fpo.Grains.Cluster;
using Fpo.Silo.Cli.Loop;
using Fpo.Silo.Cli.Silo;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo silo`: one process of a cluster run (shared/DESIGN.md §4, §5). It runs the roles its config names
/// (silo-config/trainer.yaml, rollout.yaml, reference.yaml, judge.yaml, api.yaml) on the configured backbone — PostgreSQL
/// for a cluster, whose connection string comes from FPO__backbone__connection only — keeps them running through
/// failures and database restarts, and prints a status line every few seconds. SIGTERM (or Ctrl+C) stops it cleanly:
/// each role finishes its batch in hand and the trainer publishes what it trained.
/// </summary>
public static class SiloCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The silo's settings (YAML), e.g. silo-config/rollout.yaml; every key is documented there.", Required = true };
        var set = new Option<string[]>("--set") { Description = "SECTION.KEY=VALUE: any setting of the config (repeatable), e.g. --set rollout.grains=2." };
        var command = new Command("silo", "Run one silo of a cluster run: the roles its config names (trainer, prompt_source, rollout, reference, judge, evaluator) on a PostgreSQL backbone shared by every silo of the run. Settings: the --config file, then environment variables FPO__section__key (the connection string only from FPO__backbone__connection), then --set. SIGTERM stops cleanly.")
        {
            config, set,
        };
        command.SetAction(async (parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var overrides = (parse.GetValue(set) ?? []).Select(s => LoopConfig.ParseSet(s, SiloConfigKeys.All)).ToList();
            var settings = LoopConfig.Load(parse.GetValue(config)!.FullName, Environment.GetEnvironmentVariables(), overrides, SiloConfigKeys.All, "fpo silo", []);
            var (silo, backboneOptions) = SiloSettingsReader.Read(settings);
            var statusEvery = SiloSettingsReader.StatusInterval(settings);
            var log = new SiloLog(parse.InvocationConfiguration.Output, silo.Name);
            log.Write($"starting roles {string.Join(", ", silo.Roles)} on run {backboneOptions.RunId} ({backboneOptions.Kind} backbone)");

            await using var backbone = await SiloBackbone.OpenAsync(backboneOptions, log, cancel).ConfigureAwait(false);
            Func<CancellationToken, Task<RunAssetSource>>? prepareRun = silo.Roles.Contains(RoleNames.Trainer)
                ? ct => Task.Run(() => LoopAssetsLoader.LoadSource(settings, ct), ct)
                : null;
            // Every silo answers /healthz, /readyz and /metrics (Kubernetes probes, Prometheus, the autoscalers); the api role
            // serves the full API on the same address once the run's model is loaded.
            var apiOptions = ApiSettingsReader.Read(settings, Environment.GetEnvironmentVariables());
            RoleHost? host = null;
            await using var probes = apiOptions is null ? null : new SiloProbes(apiOptions, timeout => host!.StatusAsync(timeout), log.Write);
            if (silo.Roles.Contains(RoleNames.Api) && probes is null)
                throw new CliException("silo.roles names api but api.enabled is false: enable the API or drop the role");
            var driftTopK = silo.Loop.Evaluator.DriftTopK;
            var roles = silo.Roles.Select(r => r == RoleNames.Api ? new ApiRole(probes!, driftTopK) : SiloRoles.Create(r)).ToList();
            using var roleHost = host = RoleHost.Create(backbone, silo, roles, prepareRun, log.Write);
            if (probes is not null) await StartProbesAsync(probes, apiOptions!, cancel).ConfigureAwait(false);
            var run = host.RunAsync(cancel);
            while (await Task.WhenAny(run, Task.Delay(statusEvery, CancellationToken.None)).ConfigureAwait(false) != run)
                log.Write(SiloStatusLine.Format(await host.StatusAsync(statusEvery).ConfigureAwait(false)));
            await run.ConfigureAwait(false);
            log.Write(SiloStatusLine.Format(await host.StatusAsync(statusEvery).ConfigureAwait(false)));
            log.Write("stopped cleanly");
            return 0;
        });
        return command;
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
