using System.Collections.Concurrent;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>A backbone that passes everything through and keeps every pair forwarded to "pairs" (by the rollouts) and "annotated" (by the reference), by id.</summary>
internal sealed class RecordingBackbone(IBackbone inner) : IBackbone
{
    public ConcurrentDictionary<string, RolloutPair> Pairs { get; } = new();
    public ConcurrentDictionary<string, RolloutPair> Annotated { get; } = new();

    public string RunId => inner.RunId;
    public ISnapshotStore Snapshots => inner.Snapshots;
    public ILineageLog Lineage => inner.Lineage;
    public IFeatureStatsStore FeatureStats => inner.FeatureStats;
    public IRunJournal Journal => inner.Journal;

    public IStream<T> Stream<T>(string name, IRecordCodec<T> codec, StreamSettings? settings = null) => inner.Stream(name, codec, settings);

    public async Task<IReadOnlyList<string>> ForwardAsync<TIn, TOut>(IStream<TIn> from, IReadOnlyList<Leased<TIn>> consumed, IStream<TOut> to,
        IReadOnlyList<StreamItem<TOut>> produced, CancellationToken cancellationToken)
    {
        var acknowledged = await inner.ForwardAsync(from, consumed, to, produced, cancellationToken);
        var into = to.Name == StreamNames.Pairs ? Pairs : to.Name == StreamNames.Annotated ? Annotated : null;
        if (into is not null)
            foreach (var item in produced)
                if (item.Value is RolloutPair pair) into[item.Id] = pair;
        return acknowledged;
    }

    public Task<ILeadership?> TryLeadAsync(string role, CancellationToken cancellationToken) => inner.TryLeadAsync(role, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
