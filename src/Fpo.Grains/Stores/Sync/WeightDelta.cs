using Fpo.Tensors;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Fpo.Grains.Stores.Sync;

/// <summary>
/// A version of a file encoded against the previous version of the same length: XOR, byte planes by element width
/// (see <see cref="ByteShuffle"/>), zstd at a fast level. The bytes are cut in chunks of 4 MiB that are shuffled and
/// compressed independently, so both directions run on every compute thread. Meant for model.safetensors between two
/// snapshots: their headers are identical (XOR to zeros), and as the writer pads the header to 8 bytes every tensor
/// starts at a multiple of the element width — so planes taken over the whole file, from byte 0, line up with the
/// tensors' bytes and the codec needs to know nothing of the file's layout.
/// The caller checks the SHA-256 of what <see cref="Apply"/> returns; the codec itself refuses with
/// <see cref="InvalidDataException"/> any delta whose structure does not hold or whose frames fail zstd's checksum.
/// </summary>
public static class WeightDelta
{
    /// <summary>zstd's level 1: the fastest of the standard levels; the planes' zero runs need no deeper search.</summary>
    public const int Level = 1;

    /// <summary>Encodes <paramref name="current"/> against <paramref name="previous"/>, of equal lengths, for elements of <paramref name="elementBytes"/> bytes (2 for BF16, 4 for F32).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, int elementBytes)
    {
        if (previous.Length != current.Length)
            throw new ArgumentException($"previous has {previous.Length} bytes, current {current.Length}: a weight delta joins two versions of the same length", nameof(current));
        if (!WeightDeltaHeader.IsSupportedWidth(elementBytes))
            throw new ArgumentOutOfRangeException(nameof(elementBytes), elementBytes, "element width is 1, 2, 4 or 8 bytes");
        var raw = WeightDeltaHeader.ChunkLengths(current.Length);
        var frames = new byte[raw.Length][];
        var frameLengths = new int[raw.Length];
        unsafe
        {
            fixed (byte* previousStart = previous, currentStart = current)
            {
                // Spans cannot enter the lambda; the pointers stay valid while it runs inside the fixed block.
                var (p, c) = ((nint)previousStart, (nint)currentStart);
                ComputeThreads.For(raw.Length, (start, end) =>
                {
                    using var compressor = new Compressor(Level);
                    // zstd's per-frame checksum (XXH64, far faster than the compression): a frame altered in storage
                    // or transit then fails in Apply instead of decoding to other bytes.
                    compressor.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                    var planes = new byte[WeightDeltaHeader.ChunkBytes];
                    for (var i = start; i < end; i++)
                    {
                        var offset = (long)i * WeightDeltaHeader.ChunkBytes;
                        var chunk = planes.AsSpan(0, raw[i]);
                        ByteShuffle.XorShuffle(new ReadOnlySpan<byte>((byte*)p + offset, raw[i]), new ReadOnlySpan<byte>((byte*)c + offset, raw[i]), chunk, elementBytes);
                        frames[i] = new byte[Compressor.GetCompressBound(raw[i])];
                        frameLengths[i] = compressor.Wrap(chunk, frames[i]);
                    }
                }, rangesPerThread: 4);
            }
        }
        var header = new WeightDeltaHeader(elementBytes, current.Length, frameLengths, raw);
        var delta = GC.AllocateUninitializedArray<byte>(header.Length + frameLengths.Sum());
        header.Write(delta);
        var at = header.Length;
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i].AsSpan(0, frameLengths[i]).CopyTo(delta.AsSpan(at));
            at += frameLengths[i];
        }
        return delta;
    }

    /// <summary>
    /// The version <paramref name="delta"/> encodes against <paramref name="previous"/>. A delta that is truncated,
    /// claims lengths the real bytes do not have, was made from a version of another length, or whose frames do not
    /// decompress to exactly their chunk, checksum included, throws <see cref="InvalidDataException"/> saying which;
    /// allocations are bounded by the previous version's length. What the checks cannot see — a delta made against
    /// another version of the same length, which decodes to other bytes — the caller's SHA-256 catches.
    /// </summary>
    public static byte[] Apply(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> delta)
    {
        var header = WeightDeltaHeader.Read(delta, previous.Length);
        var result = GC.AllocateUninitializedArray<byte>(previous.Length);
        var frameStarts = new long[header.Raw.Length];
        long at = header.Length;
        for (var i = 0; i < frameStarts.Length; i++)
        {
            frameStarts[i] = at;
            at += header.Compressed[i];
        }
        unsafe
        {
            fixed (byte* previousStart = previous, deltaStart = delta)
            {
                var (p, d) = ((nint)previousStart, (nint)deltaStart);
                ComputeThreads.For(header.Raw.Length, (start, end) =>
                {
                    using var decompressor = new Decompressor();
                    var planes = new byte[WeightDeltaHeader.ChunkBytes];
                    for (var i = start; i < end; i++)
                    {
                        var offset = (long)i * WeightDeltaHeader.ChunkBytes;
                        var chunk = planes.AsSpan(0, header.Raw[i]);
                        Decompress(decompressor, new ReadOnlySpan<byte>((byte*)d + frameStarts[i], header.Compressed[i]), chunk, i);
                        ByteShuffle.UnshuffleXor(new ReadOnlySpan<byte>((byte*)p + offset, chunk.Length), chunk, result.AsSpan((int)offset, chunk.Length), header.ElementBytes);
                    }
                }, rangesPerThread: 4);
            }
        }
        return result;
    }

    // Exactly chunk.Length bytes from one frame, or InvalidDataException: zstd's own errors, and a frame that is short,
    // become the delta's problem.
    private static void Decompress(Decompressor decompressor, ReadOnlySpan<byte> frame, Span<byte> chunk, int index)
    {
        int written;
        try
        {
            written = decompressor.Unwrap(frame, chunk);
        }
        catch (ZstdException e)
        {
            throw WeightDeltaHeader.Invalid($"chunk {index}'s zstd frame does not decompress to its {chunk.Length} bytes ({e.Message})");
        }
        if (written != chunk.Length)
            throw WeightDeltaHeader.Invalid($"chunk {index}'s zstd frame decompresses to {written} bytes, expected {chunk.Length}");
    }
}
