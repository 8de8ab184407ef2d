using Orleans.Placement;

namespace Fpo.Grains.Placement;

/// <summary>Places a grain only on silos whose config names <paramref name="role"/> (silo metadata <see cref="SiloRoleMetadata.Key"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RolePlacementAttribute(string role) : PlacementFilterAttribute(new RolePlacementStrategy(role));
