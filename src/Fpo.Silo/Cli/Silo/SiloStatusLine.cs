using System.Globalization;
using Fpo.Grains.Cluster;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// The status line a silo prints every few seconds: the run, its newest snapshot, each role's state and what it did
/// here, and the queue depths (pending+leased) of the run's streams.
/// </summary>
public static class SiloStatusLine
{
    public static string Format(SiloRolesStatus s)
    {
        var roles = string.Join("; ", s.Roles.Select(r => r.State == "running" ? $"{r.Name}: {r.Activity}" : $"{r.Name} ({r.State}): {r.Activity}"));
        var backbone = s.BackboneError is { } error
            ? $"backbone unavailable: {error}"
            : $"snapshot {(s.SnapshotVersion is { } v ? v.ToString(CultureInfo.InvariantCulture) : "none")} | queues {string.Join(" ", s.Queues!.Select(q => $"{q.Key} {q.Value.Pending}+{q.Value.Leased}"))}";
        return $"status | run {s.RunId} | {backbone} | {roles} | up {s.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)}";
    }
}
