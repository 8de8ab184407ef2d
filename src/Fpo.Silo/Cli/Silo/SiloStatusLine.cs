using System.Globalization;
using Fpo.Grains.Cluster;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// The status line a silo prints every few seconds: each run it hosts with its newest snapshot, the records waiting per stream, and
/// per role what runs of it on this silo (its grain activations).
/// </summary>
public static class SiloStatusLine
{
    public static string Format(SiloRolesStatus s)
    {
        var roles = string.Join("; ", s.Roles.Select(r => r.State == "running" ? $"{r.Name}: {r.Activity}" : $"{r.Name} ({r.State}): {r.Activity}"));
        var runs = string.Join(" | ", s.Runs.Select(r => s.BackboneError is null
            ? $"run {r.RunId} | snapshot {(r.Version is { } v ? v.ToString(CultureInfo.InvariantCulture) : "none")}"
            : $"run {r.RunId}"));
        var stores = s.BackboneError is { } error
            ? $"backbone unavailable: {error}"
            : $"queues {string.Join(" ", s.Queues!.Select(q => $"{q.Key} {q.Value}"))}";
        return $"status | {runs} | {stores} | {roles} | up {s.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)}";
    }
}
