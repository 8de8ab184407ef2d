using Orleans.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Fpo.Grains.Placement;

/// <summary>
/// How a silo tells the cluster its roles and its runs: silo metadata "fpo.roles" and "fpo.runs", comma-separated
/// lists, read by <see cref="RolePlacementDirector"/>. A silo without "fpo.runs" hosts grains of any run.
/// </summary>
public static class SiloRoleMetadata
{
    public const string Key = "fpo.roles", RunsKey = "fpo.runs";

    /// <summary>
    /// Publishes <paramref name="roles"/> (and <paramref name="runs"/>, when the silo hosts only those) as this silo's
    /// metadata and filters grain placement by role and run.
    /// </summary>
    public static ISiloBuilder UseRolePlacement(this ISiloBuilder silo, IEnumerable<string> roles, IEnumerable<string>? runs = null)
    {
        var published = new Dictionary<string, string> { [Key] = string.Join(",", roles) };
        if (runs is not null) published[RunsKey] = string.Join(",", runs);
        silo.UseSiloMetadata(published);
        // Transient: Orleans initializes a strategy with the role of each grain type it resolves; a shared one would
        // end up with the role of the type resolved last and place every grain type by it.
        silo.Services.AddPlacementFilter<RolePlacementStrategy, RolePlacementDirector>(ServiceLifetime.Transient);
        return silo;
    }

    public static bool Has(SiloMetadata metadata, string role) =>
        metadata.Metadata.TryGetValue(Key, out var roles) && roles.Split(',').Contains(role, StringComparer.Ordinal);

    /// <summary>Whether a silo with this metadata hosts grains of <paramref name="run"/>: it names the run, or names no runs.</summary>
    public static bool Hosts(IReadOnlyDictionary<string, string> metadata, string run) =>
        !metadata.TryGetValue(RunsKey, out var runs) || runs.Split(',').Contains(run, StringComparer.Ordinal);
}
