namespace Fpo.Grains.Postgres;

/// <summary>
/// One file of a snapshot as fpo_snapshot_files describes it. <see cref="Location"/> null: the bytes are in
/// fpo_snapshot_chunks (<see cref="Chunks"/> rows). Otherwise they are the blob of that name, <see cref="StoredBytes"/>
/// long with SHA-256 <see cref="StoredSha256"/>: the file itself, or (<see cref="DeltaBase"/> set) a delta that turns
/// the same file of snapshot <see cref="DeltaBase"/> into this one. <see cref="Bytes"/> is always the file's own length.
/// </summary>
internal sealed record SnapshotFileRow(string Name, long Bytes, int Chunks, string? Location, long? StoredBytes, string? StoredSha256, long? DeltaBase)
{
    public bool InBlob => Location is not null;
}
