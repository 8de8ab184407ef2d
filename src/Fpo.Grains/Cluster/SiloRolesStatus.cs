
namespace Fpo.Grains.Cluster;

/// <summary>A role's state in this silo ("running", "waiting for the lead", "restarting in 5 s", …) and what it has done.</summary>
public sealed record RoleStatus(string Name, string State, string Activity);

/// <summary>
/// One silo at a moment: its roles, the run's newest snapshot and queue depths (null with <paramref name="BackboneError"/>
/// when the backbone did not answer in time, e.g. while the database restarts).
/// </summary>
public sealed record SiloRolesStatus(
    string Name,
    string RunId,
    TimeSpan Elapsed,
    IReadOnlyList<RoleStatus> Roles,
    long? SnapshotVersion,
    IReadOnlyDictionary<string, long>? Queues,
    string? BackboneError);
