using Fpo.Grains.Placement;
using Orleans;

namespace Fpo.Grains.Tests.Actors;

[Alias("fpo.tests.IUnplaceableGrain")]
public interface IUnplaceableGrain : IGrainWithStringKey
{
    [Alias("Ping")]
    Task PingAsync();
}

/// <summary>A grain of a role no silo of the actor cluster runs.</summary>
[GrainType("fpo.tests.unplaceable"), RolePlacement(Role)]
public sealed class UnplaceableGrain : Grain, IUnplaceableGrain
{
    public const string Role = "nobodys_role";

    public Task PingAsync() => Task.CompletedTask;
}
