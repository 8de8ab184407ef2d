using Orleans.Hosting;
using Fpo.Grains.Contracts;
using Fpo.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Fpo.Grains.Hosting;

/// <summary>What every Fpo silo has, whatever its providers: the run catalog, the in-process run events, the compute turns and the snapshot announcements.</summary>
public static class FpoRuntime
{
    public static ISiloBuilder AddFpoRuntime(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<RunCatalog>();
        silo.Services.AddSingleton<RunEvents>();
        silo.Services.AddSingleton<ComputeTurns>();
        // Orleans serializes exceptions of other namespaces than System and Microsoft only when told to: without this, a
        // grain's own exception (a trainer's lost snapshot compare-and-set) reaches a caller on another silo as a codec error.
        silo.Services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Fpo"));
        // Announcements are hints (the weights are read from the snapshot store, and a listener keeps the newest
        // version it heard of), so a lost one costs a little staleness, never data. Sent fire-and-forget: a rollout
        // grain busy sampling a batch takes the message only after the batch, and the trainer must not wait for that.
        silo.AddBroadcastChannel(FpoProviders.Announcements, options => options.FireAndForgetDelivery = true);
        return silo;
    }
}
