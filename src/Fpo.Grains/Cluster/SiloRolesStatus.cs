
namespace Fpo.Grains.Cluster;

/// <summary>A role's state in this silo ("running", "waiting for the lead", "restarting in 5 s", …) and what it has done.</summary>
public sealed record RoleStatus(string Name, string State, string Activity);

/// <summary>
/// One silo at a moment: its roles, the newest snapshot of each run it hosts and the queue depths (versions null and no
/// queues with <paramref name="BackboneError"/> when the stores did not answer in time, e.g. while the database restarts).
/// </summary>
public sealed record SiloRolesStatus(
    string Name,
    IReadOnlyList<RunSnapshot> Runs,
    TimeSpan Elapsed,
    IReadOnlyList<RoleStatus> Roles,
    IReadOnlyDictionary<string, long>? Queues,
    string? BackboneError);

/// <summary>A run a silo hosts and its newest snapshot version (null: none yet, or unknown).</summary>
public sealed record RunSnapshot(string RunId, long? Version);
