using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>
/// codes = the B·K largest of relu(pre) over the whole batch (Bussmann et al. 2024), latents ascending per row; ties at
/// the cut go to the lower flat index b·F + j. The cut is found by a two-level radix select on the float bits (positive
/// floats order like their bit patterns), so the batch is read three times and never sorted.
/// </summary>
public static class BatchTopKActivation
{
    // codes (B rows), pre (B,F)
    public static void Forward(SparseCodes codes, float[] pre, int K, int B, int F)
    {
        var wanted = (long)B * K;
        var high = Histogram(pre, B, F, prefix: -1);
        var (highBucket, aboveHigh) = Cut(high, wanted);
        uint cut;          // bit pattern of the smallest value taken
        long takeAtCut;    // how many entries equal to the cut are taken, lowest flat index first
        if (highBucket < 0)
        {
            cut = 1;  // fewer than B·K positives: take them all
            takeAtCut = long.MaxValue;
        }
        else
        {
            var low = Histogram(pre, B, F, prefix: highBucket);
            var (lowBucket, aboveLow) = Cut(low, wanted - aboveHigh);
            cut = (uint)highBucket << 16 | (uint)lowBucket;
            takeAtCut = wanted - aboveHigh - aboveLow;
        }
        var above = new int[B];   // (B) entries above the cut per row
        var atCut = new int[B];   // (B) entries equal to the cut per row
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
                foreach (var v in pre.AsSpan(b * F, F))
                {
                    var bits = BitsOf(v);
                    if (bits > cut) above[b]++;
                    else if (bits == cut) atCut[b]++;
                }
        }, minRange: 16);
        var counts = new int[B];
        for (var b = 0; b < B; b++)
        {
            var take = (int)Math.Min(atCut[b], takeAtCut);
            takeAtCut -= take;
            atCut[b] = take;
            counts[b] = above[b] + take;
        }
        codes.Allocate(B, counts);
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var e = codes.RowStart[b];
                var equalLeft = atCut[b];
                var row = pre.AsSpan(b * F, F);
                for (var j = 0; j < F; j++)
                {
                    var bits = BitsOf(row[j]);
                    if (bits < cut || (bits == cut && equalLeft-- <= 0)) continue;
                    codes.Latent[e] = j;
                    codes.Value[e++] = row[j];
                }
            }
        }, minRange: 16);
    }

    /// <summary>The smallest non-zero code of a batch (0 when none): SAELens averages it over training batches
    /// (topk_threshold, an exponential moving average) into the global threshold BatchTopK uses at inference.</summary>
    public static float SmallestActive(SparseCodes codes)
    {
        var smallest = float.PositiveInfinity;
        for (var e = 0; e < codes.Count; e++)
            if (codes.Value[e] > 0) smallest = MathF.Min(smallest, codes.Value[e]);
        return float.IsPositiveInfinity(smallest) ? 0 : smallest;
    }

    // Order-preserving key of relu(v): 0 for v ≤ 0 or NaN, the bit pattern for positive v.
    private static uint BitsOf(float v) => v > 0 ? BitConverter.SingleToUInt32Bits(v) : 0;

    // 65,536-bucket histogram of positive entries: by the high 16 bits, or (prefix ≥ 0) by the low 16 bits of entries
    // whose high bits equal prefix. Integer counts, so the merge order does not matter.
    private static long[] Histogram(float[] pre, int B, int F, int prefix)
    {
        var total = new long[1 << 16];
        ComputeThreads.For(B, (b0, b1) =>
        {
            var local = new int[1 << 16];
            for (var b = b0; b < b1; b++)
                foreach (var v in pre.AsSpan(b * F, F))
                {
                    var bits = BitsOf(v);
                    if (bits == 0) continue;
                    if (prefix < 0) local[bits >> 16]++;
                    else if (bits >> 16 == prefix) local[bits & 0xFFFF]++;
                }
            lock (total)
                for (var i = 0; i < local.Length; i++) total[i] += local[i];
        }, minRange: 16);
        return total;
    }

    // The bucket, from the top, where the running count reaches wanted, and the count strictly above it; (−1, n) when
    // fewer than wanted entries exist.
    private static (int Bucket, long Above) Cut(long[] histogram, long wanted)
    {
        long above = 0;
        for (var i = histogram.Length - 1; i >= 0; i--)
        {
            if (above + histogram[i] >= wanted) return (i, above);
            above += histogram[i];
        }
        return (-1, above);
    }
}
