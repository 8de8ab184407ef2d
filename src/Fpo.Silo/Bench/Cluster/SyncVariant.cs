using Fpo.Grains.Roles;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// How snapshots travel in one publish-latency measurement: the store that holds their bytes (PostgreSQL bytea chunks
/// or blob storage), the element type they are published in, and whether versions between full ones go as deltas.
/// </summary>
public sealed record SyncVariant(string Name, bool Blob, SnapshotDType DType, bool Delta)
{
    public static readonly IReadOnlyList<SyncVariant> All =
    [
        new("postgres-f32", Blob: false, SnapshotDType.F32, Delta: false),
        new("blob-f32", Blob: true, SnapshotDType.F32, Delta: false),
        new("blob-bf16", Blob: true, SnapshotDType.BF16, Delta: false),
        new("blob-bf16-delta", Blob: true, SnapshotDType.BF16, Delta: true),
    ];

}
