using Orleans.Runtime;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Fpo.Grains.Placement;

/// <summary>
/// Keeps the silos whose metadata lists the role the grain type needs. When none has it, the placement fails, and the
/// call that wanted the grain fails with it: a cluster without a rollout silo cannot sample, and says so.
/// </summary>
public sealed class RolePlacementDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var role = (filterStrategy as RolePlacementStrategy)?.Role
            ?? throw new ArgumentException($"expected a {nameof(RolePlacementStrategy)}, got {filterStrategy.GetType().Name}", nameof(filterStrategy));
        var candidates = silos.ToList();
        var matching = candidates.Where(s => SiloRoleMetadata.Has(metadata.GetSiloMetadata(s), role)).ToList();
        return matching.Count > 0
            ? matching
            : throw new OrleansException($"no silo of the cluster runs the {role} role ({candidates.Count} silos looked at) to host {target.GrainIdentity}; start one whose silo.roles names {role}");
    }
}
