namespace Fpo.Grains.Stores;

/// <summary>
/// A published snapshot's description. <see cref="Sha256"/> is the lowercase hex SHA-256 over its files in ordinal name
/// order, each as (UTF-8 name, 0x00, 8-byte little-endian length, bytes) — see <see cref="SnapshotContent.ComputeSha256"/>.
/// </summary>
public sealed record SnapshotInfo(
    long Version,
    string Sha256,
    long Bytes,
    DateTimeOffset PublishedAt,
    long TrainerStep,
    int PreferenceCount,
    string Metadata);
