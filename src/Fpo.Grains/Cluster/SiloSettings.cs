using Fpo.Grains.Loop;

namespace Fpo.Grains.Cluster;

/// <summary>
/// One silo of a run: which roles it runs (<see cref="RoleNames"/>), its name in logs, the loop settings its roles read,
/// its local folder (per run it hosts, WORK/RUN: run assets loaded from snapshot 0, the trainer's checkpoints), how often a waiting singleton role
/// tries to take the lead, how long a failed role waits before it starts again, and when the silo stops by itself.
/// </summary>
public sealed record SiloSettings
{
    public required IReadOnlyList<string> Roles { get; init; }
    public required string Name { get; init; }
    public required LoopSettings Loop { get; init; }
    public required string WorkDir { get; init; }
    /// <summary>Stop cleanly once the run's latest snapshot reaches this version.</summary>
    public long? StopAtVersion { get; init; }
    public TimeSpan? MaxDuration { get; init; }

    public SiloSettings Validate()
    {
        if (Roles.Count == 0) throw new ArgumentException($"silo.roles names no role (expected some of {string.Join(", ", RoleNames.All)})");
        foreach (var role in Roles)
            if (!RoleNames.All.Contains(role))
                throw new ArgumentException($"silo.roles: unknown role '{role}' (expected some of {string.Join(", ", RoleNames.All)})");
        if (Roles.Distinct(StringComparer.Ordinal).Count() != Roles.Count) throw new ArgumentException($"silo.roles names a role twice ({string.Join(", ", Roles)})");
        return this;
    }
}
