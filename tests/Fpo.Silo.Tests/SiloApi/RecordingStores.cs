using System.Collections.Concurrent;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// Run stores that pass everything through and keep every pair the loop reports sampled (by the rollouts) and
/// annotated (by the reference), by id; they can hold the trainer's publishes above a version until released, so a
/// test can look at the run between two snapshots.
/// </summary>
internal sealed class RecordingStores(IRunStores inner) : IRunStores
{
    private readonly GatedSnapshots _snapshots = new(inner.Snapshots);

    public ConcurrentDictionary<string, RolloutPair> Pairs { get; } = new();
    public ConcurrentDictionary<string, RolloutPair> Annotated { get; } = new();

    public string RunId => inner.RunId;
    public ISnapshotStore Snapshots => _snapshots;
    public ILineageLog Lineage => inner.Lineage;
    public IFeatureStatsStore FeatureStats => inner.FeatureStats;
    public IRunJournal Journal => inner.Journal;

    /// <summary>Publishes of versions above <paramref name="version"/> wait until <see cref="ReleaseSnapshots"/>.</summary>
    public void HoldSnapshotsAfter(long version) => _snapshots.HoldAfter(version);

    public void ReleaseSnapshots() => _snapshots.Release();

    /// <summary>Records what <paramref name="host"/> reports sampled and annotated.</summary>
    public void Record(Fpo.Grains.Loop.LoopHost host)
    {
        host.PairsSampled += pairs =>
        {
            foreach (var pair in pairs) Pairs[pair.Id] = pair;
        };
        host.PairsAnnotated += pairs =>
        {
            foreach (var pair in pairs) Annotated[pair.Id] = pair;
        };
    }



    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>An <see cref="ISnapshotStore"/> whose publishes above a version wait for a release.</summary>
internal sealed class GatedSnapshots(ISnapshotStore inner) : ISnapshotStore
{
    private long _allowed = long.MaxValue;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void HoldAfter(long version)
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _allowed, version);
    }

    public void Release()
    {
        Interlocked.Exchange(ref _allowed, long.MaxValue);
        _release.TrySetResult();
    }

    public async Task<SnapshotInfo> PublishAsync(SnapshotPublication publication, CancellationToken cancellationToken)
    {
        if (publication.Version > Interlocked.Read(ref _allowed)) await _release.Task.WaitAsync(cancellationToken);
        return await inner.PublishAsync(publication, cancellationToken);
    }

    public Task<SnapshotInfo?> LatestAsync(CancellationToken cancellationToken) => inner.LatestAsync(cancellationToken);

    public Task<IReadOnlyList<SnapshotInfo>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    public Task<SnapshotContent> GetAsync(long version, CancellationToken cancellationToken) => inner.GetAsync(version, cancellationToken);

    public IAsyncEnumerable<SnapshotInfo> WatchAsync(long afterVersion, CancellationToken cancellationToken) => inner.WatchAsync(afterVersion, cancellationToken);
}
