using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Actors;

/// <summary>Role placement in the two-silo cluster: a grain activates only where its role runs, and nowhere when no silo runs it.</summary>
[Collection(ActorCollection.Name)]
public sealed class RolePlacementContractTests(ActorCluster cluster)
{
    // Activates one grain of each type of a new run through grains, so the silo behind grains places them all.
    private async Task<IReadOnlyList<(string Role, IAddressable Grain)>> ActivateAsync(IGrainFactory grains, string runId)
    {
        await cluster.StartRunAsync(runId);
        var partition = GrainKeys.Partition(runId, 0);
        var source = grains.GetGrain<IPromptSourceGrain>(runId);
        var rollout = grains.GetGrain<IRolloutGrain>(partition);
        var reference = grains.GetGrain<IReferenceGrain>(partition);
        var judge = grains.GetGrain<IJudgeGrain>(partition);
        var trainer = grains.GetGrain<ITrainerGrain>(runId);
        var evaluator = grains.GetGrain<IEvaluatorGrain>(runId);
        await source.PublishedAsync();
        await rollout.StatusAsync();
        await reference.AnnotatedAsync();
        await judge.StatusAsync();
        await trainer.StatusAsync();
        await evaluator.LatestAsync();
        return [(RoleNames.PromptSource, source), (RoleNames.Rollout, rollout), (RoleNames.Reference, reference),
            (RoleNames.Judge, judge), (RoleNames.Trainer, trainer), (RoleNames.Evaluator, evaluator)];
    }

    [Fact]
    public async Task Each_grain_activates_on_the_silo_that_runs_its_role_whichever_grain_type_that_silo_placed_before()
    {
        var placed = new List<(string Role, IAddressable Grain)>();
        foreach (var silo in cluster.Silos)
        {
            var grains = silo.ServiceProvider.GetRequiredService<IGrainFactory>();
            placed.AddRange(await ActivateAsync(grains, $"placement-{silo.Name}-1"));
            // This silo has placed every grain type once; now one of a role no silo runs, and then each type again.
            await Assert.ThrowsAnyAsync<Exception>(() => grains.GetGrain<IUnplaceableGrain>(silo.Name).PingAsync());
            placed.AddRange(await ActivateAsync(grains, $"placement-{silo.Name}-2"));
        }

        Assert.All(placed, g => Assert.Equal(cluster.SiloRunning(g.Role).Name, cluster.HostOf(g.Grain)?.Name));
        Assert.NotEqual(cluster.SiloRunning(RoleNames.PromptSource).Name, cluster.SiloRunning(RoleNames.Rollout).Name);
    }

    [Fact]
    public async Task A_grain_whose_role_no_silo_runs_fails_with_a_message_naming_the_role()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.Client.GetGrain<IUnplaceableGrain>("anywhere").PingAsync());

        Assert.Contains($"no silo of the cluster runs the {UnplaceableGrain.Role} role (2 silos looked at)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"start one whose silo.roles names {UnplaceableGrain.Role}", error.Message, StringComparison.Ordinal);
    }
}
