using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Keeps the states of different grains apart in Orleans' ADO.NET grain storage. That storage keys a state by the
/// state's name and the grain's key only: two grain types with the same key and state name share one row (Orleans
/// issues 8746 and 9737), and string keys that parse as the same hexadecimal number ("20235", "020235") share one too
/// (issue 9706). This wrapper hands the storage a state name that also holds the whole grain id, "type/key", so the
/// row is the grain's own. The two characters the storage would rewrite ('`' of generic types, '%' to keep the
/// escaping reversible) are escaped.
/// </summary>
internal sealed class GrainIdScopedStorage(IGrainStorage storage) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        storage.ReadStateAsync(Scoped(stateName, grainId), grainId, grainState);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        storage.ReadStateAsync(Scoped(stateName, grainId), grainId, grainState, cancellationToken);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        storage.WriteStateAsync(Scoped(stateName, grainId), grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        storage.WriteStateAsync(Scoped(stateName, grainId), grainId, grainState, cancellationToken);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        storage.ClearStateAsync(Scoped(stateName, grainId), grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        storage.ClearStateAsync(Scoped(stateName, grainId), grainId, grainState, cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) => ((ILifecycleParticipant<ISiloLifecycle>)storage).Participate(lifecycle);

    /// <summary>"state@type/key"; the storage treats a name with '`' as a generic CLR type name and rewrites it.</summary>
    private static string Scoped(string stateName, GrainId grainId) =>
        $"{stateName}@{grainId}".Replace("%", "%25", StringComparison.Ordinal).Replace("`", "%60", StringComparison.Ordinal);
}
