using Fpo.Grains.Stores;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Embedded;

/// <summary>
/// An <see cref="IFeatureStatsStore"/> merged in memory and rewritten to features/ (one <see cref="FeatureStatsFile"/>
/// per key) on every merge that changes something, so a delta merged before a restart is still recognised after it.
/// </summary>
internal sealed class EmbeddedFeatureStatsStore : IFeatureStatsStore
{
    private readonly string _folder;
    private readonly Lock _gate = new();
    private readonly Dictionary<FeatureStatsKey, (HashSet<string> DeltaIds, List<string> Order, FeatureStatistics Stats)> _keys = [];

    public EmbeddedFeatureStatsStore(string folder)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
        foreach (var leftover in Directory.GetFiles(folder, "*.tmp")) File.Delete(leftover);
        foreach (var path in Directory.GetFiles(folder))
        {
            if (FeatureStatsFile.KeyOf(Path.GetFileName(path)) is not { } key) continue;
            var (ids, stats) = FeatureStatsFile.Read(path);
            _keys[key] = (new HashSet<string>(ids, StringComparer.Ordinal), ids, stats);
        }
    }

    public Task<bool> MergeAsync(FeatureStatsKey key, string deltaId, FeatureStatistics delta, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(deltaId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keys.TryGetValue(key, out var entry)) entry = (new HashSet<string>(StringComparer.Ordinal), [], delta.Empty());
            if (entry.DeltaIds.Contains(deltaId)) return Task.FromResult(false);
            var merged = FeatureStatistics.Merge(entry.Stats, delta);
            List<string> order = [.. entry.Order, deltaId];
            FeatureStatsFile.Write(Path.Combine(_folder, FeatureStatsFile.NameOf(key)), order, merged);
            entry.DeltaIds.Add(deltaId);
            _keys[key] = (entry.DeltaIds, order, merged);
            return Task.FromResult(true);
        }
    }

    public Task<FeatureStatistics?> GetAsync(FeatureStatsKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
            return Task.FromResult(_keys.TryGetValue(key, out var entry) ? FeatureStatistics.Merge(entry.Stats.Empty(), entry.Stats) : null);
    }

    public Task<long> RevisionAsync(FeatureStatsKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
            return Task.FromResult<long>(_keys.TryGetValue(key, out var entry) ? entry.Order.Count : 0);
    }

    public Task<IReadOnlyList<FeatureStatsKey>> KeysAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<FeatureStatsKey>>([.. _keys.Keys.OrderBy(k => k.SnapshotVersion).ThenBy(k => k.Side)]);
    }
}
