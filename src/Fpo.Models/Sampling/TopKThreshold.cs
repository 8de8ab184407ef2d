using System.Runtime.Intrinsics;

namespace Fpo.Models.Sampling;

/// <summary>
/// The k-th largest value of a vector without sorting it. For small k a min-heap of the k largest values seen so
/// far: most values of a logit vector fall below the heap's root, so whole 16-wide chunks are skipped with one
/// comparison and the cost is close to one pass over V (about k·ln(V/k) insertions for values in random order).
/// For large k, where the heap would take most values at log k each, a radix select: one pass counts the values
/// per bucket of their order-preserving bit key, a scan from the top finds the bucket holding the k-th largest,
/// and a quickselect runs on that bucket's values only.
/// </summary>
internal static class TopKThreshold
{
    private const int Shift = 20;

    /// <summary>Largest k for which <see cref="ByHeap"/> is the faster way.</summary>
    public const int MaxHeap = 128;

    /// <summary>Buckets the radix select counts into: one per value of (key &gt;&gt; 20).</summary>
    public const int Buckets = 1 << (32 - Shift);

    // x (V), scratch (>= V), counts (Buckets); 0 < k <= V. Returns the k-th largest value (-inf counts as a value).
    public static float ByHistogram(ReadOnlySpan<float> x, int k, Span<float> scratch, Span<int> counts)
    {
        counts = counts[..Buckets];
        counts.Clear();
        foreach (var v in x) counts[(int)(Key(v) >> Shift)]++;
        var above = 0; // values in the buckets above the one searched
        var bucket = Buckets - 1;
        for (; above + counts[bucket] < k; bucket--) above += counts[bucket];
        var n = 0;
        foreach (var v in x)
            if (Key(v) >> Shift == bucket) scratch[n++] = v;
        return Select(scratch[..n], k - above);
    }

    // The k-th largest of a by quickselect (a reordered).
    internal static float Select(Span<float> a, int k)
    {
        int lo = 0, hi = a.Length, want = k - 1; // want: the index the k-th largest has in descending order
        while (true)
        {
            var pivot = ThreeWayPartition.MedianOfThree(a, lo, hi);
            var (gtEnd, eqEnd) = ThreeWayPartition.Run(a, lo, hi, pivot);
            if (want < gtEnd) hi = gtEnd;
            else if (want < eqEnd) return pivot;
            else lo = eqEnd;
        }
    }

    // Orders floats (not NaN) as unsigned integers: flip every bit of negatives, only the sign bit of the others.
    private static uint Key(float v)
    {
        var bits = BitConverter.SingleToInt32Bits(v);
        return (uint)(bits ^ ((bits >> 31) | int.MinValue));
    }

    // x (V), heap (>= k) scratch; 0 < k <= V. Returns the k-th largest value (-inf counts as a value).
    public static float ByHeap(ReadOnlySpan<float> x, int k, Span<float> heap)
    {
        heap = heap[..k];
        x[..k].CopyTo(heap);
        for (var i = k / 2 - 1; i >= 0; i--) SiftDown(heap, i);
        var j = k;
        if (Vector512.IsHardwareAccelerated)
            for (; j + 16 <= x.Length; j += 16)
            {
                if (!Vector512.GreaterThanAny(Vector512.Create(x.Slice(j, 16)), Vector512.Create(heap[0]))) continue;
                for (var l = j; l < j + 16; l++) Offer(heap, x[l]);
            }
        for (; j < x.Length; j++) Offer(heap, x[j]);
        return heap[0];
    }

    private static void Offer(Span<float> heap, float value)
    {
        if (value <= heap[0]) return;
        heap[0] = value;
        SiftDown(heap, 0);
    }

    private static void SiftDown(Span<float> heap, int i)
    {
        var value = heap[i];
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= heap.Length) break;
            if (child + 1 < heap.Length && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= value) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }
}
