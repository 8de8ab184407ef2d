using Orleans.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Fpo.Grains.Placement;

/// <summary>How a silo tells the cluster its roles: silo metadata "fpo.roles", a comma-separated list, read by <see cref="RolePlacementDirector"/>.</summary>
public static class SiloRoleMetadata
{
    public const string Key = "fpo.roles";

    /// <summary>Publishes <paramref name="roles"/> as this silo's metadata and filters grain placement by role.</summary>
    public static ISiloBuilder UseRolePlacement(this ISiloBuilder silo, IEnumerable<string> roles)
    {
        silo.UseSiloMetadata(new Dictionary<string, string> { [Key] = string.Join(",", roles) });
        // Transient: Orleans initializes a strategy with the role of each grain type it resolves; a shared one would
        // end up with the role of the type resolved last and place every grain type by it.
        silo.Services.AddPlacementFilter<RolePlacementStrategy, RolePlacementDirector>(ServiceLifetime.Transient);
        return silo;
    }

    public static bool Has(SiloMetadata metadata, string role) =>
        metadata.Metadata.TryGetValue(Key, out var roles) && roles.Split(',').Contains(role, StringComparer.Ordinal);
}
