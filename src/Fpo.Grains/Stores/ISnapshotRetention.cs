namespace Fpo.Grains.Stores;

/// <summary>A snapshot store that can give up the files of snapshots no one needs (the cluster's store; the embedded run keeps all).</summary>
public interface ISnapshotRetention
{
    /// <summary>
    /// Removes the files of the snapshots <paramref name="policy"/> lets go, never one in <paramref name="pinned"/>,
    /// and any blob a writer that lost the compare-and-set left behind. Returns the versions removed. Reading a
    /// removed version then throws <see cref="KeyNotFoundException"/> saying so.
    /// </summary>
    Task<IReadOnlyList<long>> RetainAsync(SnapshotRetentionPolicy policy, IReadOnlyCollection<long> pinned, CancellationToken cancellationToken);
}
