using Orleans.Hosting;
using Fpo.Grains.Contracts;
using Fpo.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace Fpo.Grains.Hosting;

/// <summary>What every Fpo silo has, whatever its providers: the run catalog, the in-process run events, the compute turns and the snapshot announcements.</summary>
public static class FpoRuntime
{
    public static ISiloBuilder AddFpoRuntime(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<RunCatalog>();
        silo.Services.AddSingleton<RunEvents>();
        silo.Services.AddSingleton<ComputeTurns>();
        // Announcements are hints (the weights are read from the snapshot store), so a lost one costs a little
        // staleness, never data; delivery is still awaited so a trainer's publish is followed by its announcement.
        silo.AddBroadcastChannel(FpoProviders.Announcements, options => options.FireAndForgetDelivery = false);
        return silo;
    }
}
