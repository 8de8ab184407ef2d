namespace Fpo.Grains.Orleans.Folder;

/// <summary>Records appended and not yet acknowledged, per stream namespace, summed over the queues of one provider.</summary>
internal sealed class PendingCounts
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _byNamespace = new(StringComparer.Ordinal);

    public void Add(string streamNamespace, long delta)
    {
        lock (_gate) _byNamespace[streamNamespace] = _byNamespace.GetValueOrDefault(streamNamespace) + delta;
    }

    /// <summary>A copy; a namespace stays listed (at 0) once it has had a record, so a drained backlog reads as 0.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        lock (_gate) return new Dictionary<string, long>(_byNamespace, StringComparer.Ordinal);
    }
}
