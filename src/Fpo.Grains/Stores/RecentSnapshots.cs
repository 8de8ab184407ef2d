namespace Fpo.Grains.Stores;

/// <summary>
/// The last few verified snapshots a process holds (published or read), newest kept: the bases that let a publisher
/// write the next version as a delta and a reader apply it, without fetching the base again. Thread-safe.
/// </summary>
internal sealed class RecentSnapshots(int capacity = 2)
{
    private readonly Lock _gate = new();
    private readonly List<SnapshotContent> _held = [];

    public SnapshotContent? Get(long version)
    {
        lock (_gate) return _held.Find(c => c.Info.Version == version);
    }

    public void Add(SnapshotContent content)
    {
        lock (_gate)
        {
            if (_held.Exists(c => c.Info.Version == content.Info.Version)) return;
            _held.Add(content);
            _held.Sort((a, b) => b.Info.Version.CompareTo(a.Info.Version));
            if (_held.Count > capacity) _held.RemoveRange(capacity, _held.Count - capacity);
        }
    }
}
