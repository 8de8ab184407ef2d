using Fpo.Grains.Actors;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Tests.Actors;

/// <summary>The prompt source: batches out while there is room in flight, room freed by settling, a cursor that survives deactivation.</summary>
[Collection(ActorCollection.Name)]
public sealed class PromptSourceGrainContractTests(ActorCluster cluster)
{
    [Fact]
    public async Task Never_has_more_than_max_in_flight_outstanding_settling_frees_room_and_its_cursor_survives_deactivation()
    {
        // Every pair is held at the judge until the test lets its batch go, so batches settle exactly when the test says.
        var judge = ScriptedJudge.Holding(batchPrompts: 8);
        var run = await cluster.StartRunAsync("prompt-source", a => a with { Judge = judge }, s => s with { RolloutGrains = 2, MaxInFlight = 16 });
        await using var partition0 = await run.TapAsync<PromptBatch>(StreamNamespaces.Prompts, run.Partition(0), b => b.Id);
        await using var partition1 = await run.TapAsync<PromptBatch>(StreamNamespaces.Prompts, run.Partition(1), b => b.Id);
        var source = run.PromptSource;

        await source.StartAsync();
        await judge.ArrivedAsync(PromptIds.Prompt(run.Id, 0));
        await judge.ArrivedAsync(PromptIds.Prompt(run.Id, 8));
        await source.SettledAsync("no-such-batch");  // not interleaved: any publishing turn of the source has ended

        Assert.Equal(16, await source.PublishedAsync());

        judge.Release(PromptIds.Prompt(run.Id, 0));
        var freed = await run.WrittenAsync<PromptSourceState>(source, s => s.Next == 24, "the third batch, published once the first settled");

        Assert.Equal([PromptIds.Prompt(run.Id, 8), PromptIds.Prompt(run.Id, 16)], freed.Outstanding.Keys.Order(StringComparer.Ordinal));

        await cluster.Cluster.DeactivateAsync(source);
        Assert.Null(cluster.HostOf(source));
        Assert.Equal(24, await source.PublishedAsync());
        judge.Release(PromptIds.Prompt(run.Id, 8));
        var resumed = await run.WrittenAsync<PromptSourceState>(source, s => s.Next == 32, "the fourth batch, published by the reactivated source once the second settled");
        await partition1.Items.FirstAsync(b => b.Id == PromptIds.Prompt(run.Id, 24), "the fourth batch on partition 1");
        await source.StopAsync();

        Assert.Equal([PromptIds.Prompt(run.Id, 16), PromptIds.Prompt(run.Id, 24)], resumed.Outstanding.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([PromptIds.Prompt(run.Id, 0), PromptIds.Prompt(run.Id, 16)], partition0.Items.Items.Select(b => b.Id));
        Assert.Equal([PromptIds.Prompt(run.Id, 8), PromptIds.Prompt(run.Id, 24)], partition1.Items.Items.Select(b => b.Id));
        Assert.All(partition0.Items.Items.Concat(partition1.Items.Items), b => Assert.Equal(
            Enumerable.Range(0, 8).Select(i => PromptIds.Prompt(run.Id, PromptIds.Number(b.Id) + i)), b.Prompts.Select(p => p.Id)));
        var writes = run.Writes<PromptSourceState>(source);
        Assert.All(writes, s => Assert.True(s.Outstanding.Count * 8 <= 16, $"{s.Outstanding.Count} batches of 8 outstanding at cursor {s.Next}, more than loop.max_in_flight 16"));
        Assert.False(writes[^1].Running);
    }
}
