using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Folder;

[GenerateSerializer, Alias("fpo.tests.counter-state")]
public sealed class FolderCounterState
{
    [Id(0)] public int Value { get; set; }
}

[Alias("fpo.tests.counter")]
public interface IFolderCounterGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount);

    Task<int> GetAsync();
}

/// <summary>A grain whose state lives in the folder grain storage.</summary>
public sealed class FolderCounterGrain([PersistentState("count", FolderSilo.Storage)] IPersistentState<FolderCounterState> count) : Grain, IFolderCounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        count.State.Value += amount;
        await count.WriteStateAsync();
        return count.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(count.State.Value);
}
