using System.Runtime.Intrinsics;
using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>
/// codes = the K largest of relu(pre) per row, latents ascending; zeros are not listed. Ties go to the lower latent
/// index, so the selection is deterministic. A row keeps its K best in a min-heap while a vector compare skips every
/// pre-activation that cannot enter it.
/// </summary>
public static class TopKActivation
{
    // codes (B rows), pre (B,F)
    public static void Forward(SparseCodes codes, float[] pre, int K, int B, int F)
    {
        var latents = new int[B * K];    // (B,K)
        var values = new float[B * K];   // (B,K)
        var counts = new int[B];         // (B)
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
                counts[b] = SelectRow(latents.AsSpan(b * K, K), values.AsSpan(b * K, K), pre.AsSpan(b * F, F), K);
        }, minRange: 8);
        codes.Allocate(B, counts);
        for (var b = 0; b < B; b++)
        {
            latents.AsSpan(b * K, counts[b]).CopyTo(codes.Latent.AsSpan(codes.RowStart[b]));
            values.AsSpan(b * K, counts[b]).CopyTo(codes.Value.AsSpan(codes.RowStart[b]));
        }
    }

    /// <summary>The up to K largest positive entries of one row, latents ascending; returns how many.</summary>
    public static int SelectRow(Span<int> latents, Span<float> values, ReadOnlySpan<float> row, int K)
    {
        var heap = new MinHeap(latents, values);
        var floor = 0f;  // an entry must exceed this to enter: 0 until the heap is full, then its minimum
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j <= row.Length - Vector512<float>.Count; j += Vector512<float>.Count)
            {
                var mask = Vector512.GreaterThan(Vector512.Create(row.Slice(j, Vector512<float>.Count)), Vector512.Create(floor));
                if (mask == Vector512<float>.Zero) continue;
                for (var l = 0; l < Vector512<float>.Count; l++)
                    if (row[j + l] > floor) floor = heap.Offer(row[j + l], j + l, K);
            }
        for (; j < row.Length; j++)
            if (row[j] > floor) floor = heap.Offer(row[j], j, K);
        var n = heap.Count;
        latents[..n].Sort(values[..n]);
        return n;
    }

    // Min-heap on (value, then higher index first): the root is the entry a newcomer must beat. Entries arrive in
    // ascending index, so a newcomer equal to the root loses and ties keep the lower index.
    private ref struct MinHeap(Span<int> latents, Span<float> values)
    {
        private readonly Span<int> _latents = latents;
        private readonly Span<float> _values = values;
        public int Count;

        /// <summary>Inserts (v, j) (known to beat the root when full) and returns the new entry floor.</summary>
        public float Offer(float v, int j, int K)
        {
            if (Count < K)
            {
                var i = Count++;
                while (i > 0)
                {
                    var parent = (i - 1) / 2;
                    if (!Worse(v, j, _values[parent], _latents[parent])) break;
                    _values[i] = _values[parent];
                    _latents[i] = _latents[parent];
                    i = parent;
                }
                _values[i] = v;
                _latents[i] = j;
                return Count < K ? 0f : _values[0];
            }
            SiftDown(v, j);
            return _values[0];
        }

        private void SiftDown(float v, int j)
        {
            var i = 0;
            while (true)
            {
                var child = 2 * i + 1;
                if (child >= Count) break;
                if (child + 1 < Count && Worse(_values[child + 1], _latents[child + 1], _values[child], _latents[child])) child++;
                if (!Worse(_values[child], _latents[child], v, j)) break;
                _values[i] = _values[child];
                _latents[i] = _latents[child];
                i = child;
            }
            _values[i] = v;
            _latents[i] = j;
        }

        private static bool Worse(float v, int j, float w, int k) => v < w || (v == w && j > k);
    }
}
