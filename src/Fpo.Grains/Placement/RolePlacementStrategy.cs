using Orleans.Runtime;
using Orleans.Metadata;
using Orleans.Placement;

namespace Fpo.Grains.Placement;

/// <summary>
/// The role a grain type needs of the silo that hosts it. Orleans carries it in the grain type's properties, so every
/// silo filters placements of that type the same way, whichever silo asks.
/// </summary>
public sealed class RolePlacementStrategy(string role) : PlacementFilterStrategy(order: 0)
{
    private const string RoleProperty = "role";

    // Orleans creates the strategy itself and then reads the role from the grain type's properties.
    public RolePlacementStrategy() : this("")
    {
    }

    public string Role { get; private set; } = role;

    public override void AdditionalInitialize(GrainProperties properties) =>
        Role = GetPlacementFilterGrainProperty(RoleProperty, properties) is { Length: > 0 } value
            ? value
            : throw new ArgumentException($"the grain type's properties name no {RoleProperty} for {nameof(RolePlacementStrategy)}");

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(IServiceProvider services, Type grainClass,
        GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new(RoleProperty, Role);
    }
}
