using Fpo.Grains.Backbone;

namespace Fpo.Grains.Embedded;

/// <summary>The invariants of <see cref="LineageReport"/> checked over the embedded backbone's in-memory index.</summary>
internal static class LineageCheck
{
    /// <param name="snapshots">Each snapshot's version and preference ids, oldest first.</param>
    /// <param name="dropped">Dropped preference ids.</param>
    /// <param name="streams">The state of every record of each stream preferences were consumed from, by stream name.</param>
    public static LineageReport Verify(
        IReadOnlyList<(long Version, IReadOnlyList<string> PreferenceIds)> snapshots,
        IReadOnlyCollection<string> dropped,
        IReadOnlyDictionary<string, Dictionary<string, StreamState>> streams)
    {
        var violations = new List<string>();
        for (var i = 0; i < snapshots.Count; i++)
        {
            if (i == 0 && snapshots[i].Version != 0) violations.Add($"snapshot versions start at {snapshots[i].Version}, not 0");
            else if (i > 0 && snapshots[i].Version != snapshots[i - 1].Version + 1)
                violations.Add($"snapshot versions have a gap: {snapshots[i - 1].Version} is followed by {snapshots[i].Version}");
        }
        var snapshotOf = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (version, ids) in snapshots)
            foreach (var id in ids)
                if (!snapshotOf.TryAdd(id, version))
                    violations.Add($"preference '{id}' is in snapshot {snapshotOf[id]} and again in snapshot {version}");
        var droppedSet = new HashSet<string>(dropped, StringComparer.Ordinal);
        foreach (var id in droppedSet)
            if (snapshotOf.TryGetValue(id, out var v))
                violations.Add($"preference '{id}' is in snapshot {v} and also recorded as dropped");
        long preferences = 0, acknowledged = 0, pending = 0, leased = 0, dead = 0;
        foreach (var (stream, states) in streams.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            foreach (var (id, state) in states.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                preferences++;
                var inSnapshot = snapshotOf.TryGetValue(id, out var version);
                switch (state)
                {
                    case StreamState.Acknowledged:
                        acknowledged++;
                        if (!inSnapshot && !droppedSet.Contains(id))
                            violations.Add($"preference '{id}' in stream '{stream}' is acknowledged but in no snapshot and not dropped: it was lost");
                        continue;
                    case StreamState.Pending: pending++; break;
                    case StreamState.Leased: leased++; break;
                    case StreamState.Dead: dead++; break;
                }
                if (inSnapshot)
                    violations.Add($"preference '{id}' in stream '{stream}' is in snapshot {version} but still {state.ToString().ToLowerInvariant()}: it can be trained again");
            }
        }
        return new LineageReport(
            snapshots.Count, snapshots.Count == 0 ? -1 : snapshots[^1].Version, preferences, acknowledged,
            snapshotOf.Count, droppedSet.Count, pending, leased, dead, violations);
    }
}
