using Fpo.Grains.Cluster;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// The api role: the silo's HTTP API, dashboard and OpenAI-compatible endpoints over the run's backbone (a
/// <see cref="BackboneRunView"/>: status from stream counts, snapshots and the journal the trainer and evaluator write
/// in other processes). It loads the run's model from snapshot 0, then takes over the probe server's address until it
/// stops. Not a singleton: API replicas behind one Service all read the same backbone.
/// </summary>
internal sealed class ApiRole(SiloProbes probes, int driftTopK) : SiloRole
{
    private volatile string _activity = "loading the run's model";

    public override string Name => RoleNames.Api;

    public override string Activity => _activity;

    public override async Task RunAsync(RoleContext context, CancellationToken stop, CancellationToken abort)
    {
        var assets = await context.AssetsAsync(abort).ConfigureAwait(false);
        var model = await RunModel.CreateAsync(context.Backbone, assets, driftTopK, abort).ConfigureAwait(false);
        await probes.StopAsync().ConfigureAwait(false);
        try
        {
            await using var api = await SiloApiServer.StartAsync(probes.Options, new BackboneRunView(context.Backbone, model), abort).ConfigureAwait(false);
            _activity = $"serving {api.Address}";
            context.Log($"api: dashboard and API at {api.Address} (API description at {api.Address}openapi.json)");
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            abort.ThrowIfCancellationRequested();
        }
        finally
        {
            _activity = "stopped";
            await probes.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
