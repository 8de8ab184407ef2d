using Fpo.Models.Checkpoints;

namespace Fpo.Grains.Roles;

/// <summary>
/// The element type a trainer publishes its weights in. F32 is the trainer's own precision (a snapshot then resumes a
/// trainer exactly); BF16 halves the bytes every rollout reads, at bfloat16's 8-bit mantissa — rollouts sample from the
/// widened values, the trainer keeps training its fp32 master.
/// </summary>
public enum SnapshotDType
{
    F32,
    BF16,
}

/// <summary>How a <see cref="SnapshotDType"/> is stored.</summary>
public static class SnapshotDTypes
{
    /// <summary>The safetensors dtype of every tensor of such a snapshot.</summary>
    public static SafetensorsDType Safetensors(this SnapshotDType dtype) => dtype switch
    {
        SnapshotDType.F32 => SafetensorsDType.F32,
        SnapshotDType.BF16 => SafetensorsDType.BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "snapshots are F32 or BF16"),
    };

    /// <summary>Bytes per weight: the element width a delta between two such snapshots shuffles by.</summary>
    public static int ElementBytes(this SnapshotDType dtype) => dtype.Safetensors().ByteSize();
}
