using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Postgres;

[Alias("fpo.tests.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task<int> AddAsync(int amount);

    [Alias("Get")]
    Task<int> GetAsync();
}

/// <summary>A count kept in the PostgreSQL grain storage under the state name "count".</summary>
public sealed class CounterGrain([PersistentState("count", SiloSetup.Storage)] IPersistentState<CounterState> count) : Grain, ICounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        count.State.Value += amount;
        await count.WriteStateAsync();
        return count.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(count.State.Value);
}

[GenerateSerializer]
[Alias("fpo.tests.CounterState")]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}
