using Orleans.Runtime;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The Orleans half of /readyz: a silo is ready only once Orleans' membership has it Active in the cluster
/// (<see cref="ISiloStatusOracle"/>; Joining while it starts, ShuttingDown or Dead on the way out, so Kubernetes stops
/// sending it traffic before it goes) and Orleans' own health-check participants (the membership timers the watchdog
/// also polls) report no stalls.
/// </summary>
public static class OrleansReadiness
{
    /// <summary>The reasons the silo in <paramref name="silo"/> is not ready; none when there is no silo in this process.</summary>
    public static IReadOnlyList<string> Problems(IServiceProvider? silo)
    {
        if (silo is null) return [];
        try
        {
            var status = silo.GetRequiredService<ISiloStatusOracle>().CurrentStatus;
            // The participants are only consulted once Active: before that their timers have not started, and are not late.
            return Problems(status, status == SiloStatus.Active ? silo.GetServices<IHealthCheckParticipant>() : []);
        }
        catch (ObjectDisposedException)
        {
            // A probe that races the silo's host being disposed (a run of `fpo loop` ending).
            return ["the Orleans silo has stopped"];
        }
    }

    public static IReadOnlyList<string> Problems(SiloStatus status, IEnumerable<IHealthCheckable> participants)
    {
        if (status != SiloStatus.Active) return [$"the Orleans silo is {status}, not Active in the cluster"];
        var problems = new List<string>();
        var now = DateTime.UtcNow;
        foreach (var participant in participants)
            if (!participant.CheckHealth(now, out var reason)) problems.Add($"Orleans health check {participant.GetType().Name}: {reason}");
        return problems;
    }
}
