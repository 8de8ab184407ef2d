namespace Fpo.Grains.Stores.Sync;

/// <summary>
/// The transform a weight delta compresses: XOR of two versions, then a byte-plane shuffle by element width. An
/// optimizer step changes mostly the low mantissa bits, so the XOR's sign/exponent bytes are mostly zero; planes put
/// all first bytes together, then all second bytes, …, turning those zeros into long runs. The trailing
/// length % width bytes that form no whole element stay in place after the planes.
/// </summary>
internal static class ByteShuffle
{
    /// <summary>planes = shuffle(current XOR previous); all three spans have the same length.</summary>
    public static void XorShuffle(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, Span<byte> planes, int width)
    {
        var elements = current.Length / width;
        switch (width)
        {
            case 1:
                for (var i = 0; i < current.Length; i++) planes[i] = (byte)(current[i] ^ previous[i]);
                return;
            case 2:
                for (var e = 0; e < elements; e++)
                {
                    planes[e] = (byte)(current[2 * e] ^ previous[2 * e]);
                    planes[elements + e] = (byte)(current[2 * e + 1] ^ previous[2 * e + 1]);
                }
                break;
            case 4:
                for (var e = 0; e < elements; e++)
                {
                    planes[e] = (byte)(current[4 * e] ^ previous[4 * e]);
                    planes[elements + e] = (byte)(current[4 * e + 1] ^ previous[4 * e + 1]);
                    planes[2 * elements + e] = (byte)(current[4 * e + 2] ^ previous[4 * e + 2]);
                    planes[3 * elements + e] = (byte)(current[4 * e + 3] ^ previous[4 * e + 3]);
                }
                break;
            default:
                for (var e = 0; e < elements; e++)
                    for (var b = 0; b < width; b++)
                        planes[b * elements + e] = (byte)(current[width * e + b] ^ previous[width * e + b]);
                break;
        }
        for (var i = elements * width; i < current.Length; i++) planes[i] = (byte)(current[i] ^ previous[i]);
    }

    /// <summary>The inverse: current = unshuffle(planes) XOR previous.</summary>
    public static void UnshuffleXor(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> planes, Span<byte> current, int width)
    {
        var elements = planes.Length / width;
        switch (width)
        {
            case 1:
                for (var i = 0; i < planes.Length; i++) current[i] = (byte)(planes[i] ^ previous[i]);
                return;
            case 2:
                for (var e = 0; e < elements; e++)
                {
                    current[2 * e] = (byte)(planes[e] ^ previous[2 * e]);
                    current[2 * e + 1] = (byte)(planes[elements + e] ^ previous[2 * e + 1]);
                }
                break;
            case 4:
                for (var e = 0; e < elements; e++)
                {
                    current[4 * e] = (byte)(planes[e] ^ previous[4 * e]);
                    current[4 * e + 1] = (byte)(planes[elements + e] ^ previous[4 * e + 1]);
                    current[4 * e + 2] = (byte)(planes[2 * elements + e] ^ previous[4 * e + 2]);
                    current[4 * e + 3] = (byte)(planes[3 * elements + e] ^ previous[4 * e + 3]);
                }
                break;
            default:
                for (var e = 0; e < elements; e++)
                    for (var b = 0; b < width; b++)
                        current[width * e + b] = (byte)(planes[b * elements + e] ^ previous[width * e + b]);
                break;
        }
        for (var i = elements * width; i < planes.Length; i++) current[i] = (byte)(planes[i] ^ previous[i]);
    }
}
