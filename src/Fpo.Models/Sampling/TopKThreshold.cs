using System.Runtime.Intrinsics;

namespace Fpo.Models.Sampling;

/// <summary>
/// The k-th largest value of a vector without sorting it: a min-heap of the k largest values seen so far. Most
/// values of a logit vector fall below the heap's root, so whole 16-wide chunks are skipped with one comparison
/// and the cost is close to one pass over V (about k·ln(V/k) insertions for values in random order).
/// </summary>
internal static class TopKThreshold
{
    // x (V), heap (>= k) scratch; 0 < k <= V. Returns the k-th largest value (-inf counts as a value).
    public static float Find(ReadOnlySpan<float> x, int k, Span<float> heap)
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
