using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Fpo.Grains.Tests.Actors;

/// <summary>One write of a grain's state, with a copy of the state as written.</summary>
internal sealed record StateWrite(GrainId Grain, string StateName, object State);

/// <summary>
/// Grain storage that hands every write on to <paramref name="inner"/> and then records a copy of what was written, so a
/// test awaits the write it needs (the trainer's inbox holding a preference, the prompt source's cursor moving) instead
/// of asking the grain over and over; and it sees every write, so an invariant can be checked on all of them.
/// </summary>
internal sealed class ObservedGrainStorage(IGrainStorage inner, Serializer serializer, Observed<StateWrite> writes) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        // A copy: the grain goes on changing its state object after the write.
        writes.Add(new StateWrite(grainId, stateName, serializer.Deserialize<T>(serializer.SerializeToArray(grainState.State))!));
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}
