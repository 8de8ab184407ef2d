using System.Runtime.Intrinsics;

namespace Fpo.Models.Checkpoints;

/// <summary>bfloat16 is the top half of an IEEE fp32: widening is exact, narrowing rounds to nearest even.</summary>
public static class BFloat16
{
    /// <summary>dst[i] = the fp32 whose high 16 bits are src[i] and low 16 bits zero.</summary>
    public static void ToSingle(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("destination is shorter than the source", nameof(dst));
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= src.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Create(src.Slice(i, Vector512<ushort>.Count)));
                Vector512.ShiftLeft(lo, 16).AsSingle().CopyTo(dst.Slice(i));
                Vector512.ShiftLeft(hi, 16).AsSingle().CopyTo(dst.Slice(i + Vector512<uint>.Count));
            }
        }
        for (; i < src.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
    }

    /// <summary>
    /// dst[i] = src[i] rounded to bfloat16, to nearest with ties to even; NaNs stay NaN (made quiet so that
    /// dropping the low mantissa bits cannot turn them into infinities).
    /// </summary>
    public static void FromSingle(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("destination is shorter than the source", nameof(dst));
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= src.Length - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
            {
                var lo = Round(Vector512.Create(src.Slice(i, Vector512<float>.Count)));
                var hi = Round(Vector512.Create(src.Slice(i + Vector512<float>.Count, Vector512<float>.Count)));
                Vector512.Narrow(lo, hi).CopyTo(dst.Slice(i));
            }
        }
        for (; i < src.Length; i++) dst[i] = FromSingle(src[i]);
    }

    // The scalar FromSingle on 16 lanes, leaving the bf16 in the low half of each lane.
    private static Vector512<uint> Round(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var rounded = (bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One)) >> 16;
        var quiet = (bits >> 16) | Vector512.Create(0x0040u);
        return Vector512.ConditionalSelect(Vector512.Equals(value, value).AsUInt32(), rounded, quiet);
    }

    /// <inheritdoc cref="FromSingle(ReadOnlySpan{float}, Span{ushort})"/>
    public static ushort FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
