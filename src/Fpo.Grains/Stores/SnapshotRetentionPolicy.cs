namespace Fpo.Grains.Stores;

/// <summary>
/// Which snapshots keep their files: the newest <see cref="KeepNewest"/>, every version divisible by
/// <see cref="KeepEvery"/> (0: none besides), version 0 (it carries the run's assets), every pinned version (one a
/// rollout grain still serves), and every snapshot a kept one is a delta of, down to its full base. The rest give up
/// their files; their rows and lineage stay, so the run's history and `fpo lineage verify` are unchanged.
/// </summary>
public sealed record SnapshotRetentionPolicy(int KeepNewest, int KeepEvery)
{
    /// <summary>Keeps everything.</summary>
    public static SnapshotRetentionPolicy KeepAll { get; } = new(0, 0);

    public bool Enabled => KeepNewest > 0;

    /// <summary>
    /// The versions to remove among <paramref name="held"/> (the snapshots whose files are still stored, each with the
    /// version its files are a delta of, if any).
    /// </summary>
    public IReadOnlyList<long> Plan(IReadOnlyDictionary<long, long?> held, IReadOnlyCollection<long> pinned)
    {
        if (!Enabled || held.Count == 0) return [];
        var keep = new HashSet<long>(held.Keys.Order().TakeLast(KeepNewest)) { 0 };
        keep.UnionWith(pinned.Where(held.ContainsKey));
        if (KeepEvery > 0) keep.UnionWith(held.Keys.Where(v => v % KeepEvery == 0));
        foreach (var version in keep.ToList())
            for (var v = version; held.TryGetValue(v, out var baseVersion) && baseVersion is { } b; v = b)
                keep.Add(b);
        return [.. held.Keys.Where(v => !keep.Contains(v)).Order()];
    }

    public void Validate()
    {
        if (KeepNewest < 0) throw new ArgumentException($"snapshots.keep_newest must be >= 0 (got {KeepNewest}; 0 keeps every snapshot)");
        if (KeepEvery < 0) throw new ArgumentException($"snapshots.keep_every must be >= 0 (got {KeepEvery}; 0 keeps none besides)");
    }
}
