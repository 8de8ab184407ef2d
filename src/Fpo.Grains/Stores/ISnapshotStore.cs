namespace Fpo.Grains.Stores;

/// <summary>
/// Versioned policy snapshots (Azure Blob storage's role in the design). Version 0 is the starting policy; the
/// trainer publishes 1, 2, … Publishing is atomic and compare-and-set: it succeeds only for version latest + 1, so a
/// second (zombie) trainer cannot publish over the elected one, and it records the lineage (which preferences went into
/// the snapshot) in the same step, so a preference is consumed if and only if a snapshot holds it. Every snapshot
/// carries the SHA-256 of its content, checked on every read. Implementations are thread-safe.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>
    /// Publishes <paramref name="publication"/>. Throws <see cref="SnapshotConflictException"/> when its version is not
    /// latest + 1 (latest = -1 for an empty store), or when a preference id in it is already in an earlier snapshot.
    /// </summary>
    Task<SnapshotInfo> PublishAsync(SnapshotPublication publication, CancellationToken cancellationToken);

    /// <summary>The newest snapshot, or null for an empty store.</summary>
    Task<SnapshotInfo?> LatestAsync(CancellationToken cancellationToken);

    /// <summary>Every snapshot, oldest first.</summary>
    Task<IReadOnlyList<SnapshotInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The files of snapshot <paramref name="version"/>, verified against its SHA-256 (a mismatch throws
    /// <see cref="InvalidDataException"/> naming the version). Throws <see cref="KeyNotFoundException"/> for an unknown version.
    /// </summary>
    Task<SnapshotContent> GetAsync(long version, CancellationToken cancellationToken);

    /// <summary>Yields every snapshot newer than <paramref name="afterVersion"/> as it appears (including those already there), until cancelled.</summary>
    IAsyncEnumerable<SnapshotInfo> WatchAsync(long afterVersion, CancellationToken cancellationToken);
}
