using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Postgres;

[Alias("fpo.tests.IOtherCounterGrain")]
public interface IOtherCounterGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task<int> AddAsync(int amount);

    [Alias("Get")]
    Task<int> GetAsync();
}

/// <summary>Another grain type with the same state name as <see cref="CounterGrain"/>, whose state must not be confused with it.</summary>
public sealed class OtherCounterGrain([PersistentState("count", SiloSetup.Storage)] IPersistentState<CounterState> count) : Grain, IOtherCounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        count.State.Value += amount;
        await count.WriteStateAsync();
        return count.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(count.State.Value);
}
