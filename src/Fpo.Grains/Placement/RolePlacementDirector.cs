using Orleans.Runtime;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Placement;

/// <summary>
/// Keeps the silos whose metadata lists the role the grain type needs and that host the grain's run. When none does,
/// the placement fails at once, and the call that wanted the grain fails with it: a cluster without a rollout silo
/// cannot sample, and says so; work left on a shared queue, or a reminder, of a run no silo hosts any more (a finished
/// run on the same database) fails fast instead of activating a grain that waits for a run that never comes, which held
/// the queue's other runs back for half a minute per attempt.
/// </summary>
public sealed class RolePlacementDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var role = (filterStrategy as RolePlacementStrategy)?.Role
            ?? throw new ArgumentException($"expected a {nameof(RolePlacementStrategy)}, got {filterStrategy.GetType().Name}", nameof(filterStrategy));
        var candidates = silos.ToList();
        var withRole = candidates.Where(s => SiloRoleMetadata.Has(metadata.GetSiloMetadata(s), role)).ToList();
        if (withRole.Count == 0)
            throw new OrleansException($"no silo of the cluster runs the {role} role ({candidates.Count} silos looked at) to host {target.GrainIdentity}; start one whose silo.roles names {role}");
        var run = GrainKeys.RunOf(target.GrainIdentity.Key.ToString());
        var hosting = withRole.Where(s => SiloRoleMetadata.Hosts(metadata.GetSiloMetadata(s).Metadata, run)).ToList();
        return hosting.Count > 0
            ? hosting
            : throw new OrleansException($"no silo with the {role} role hosts run '{run}' ({withRole.Count} looked at) to host {target.GrainIdentity}; name the run in backbone.run of a {role} silo");
    }
}
