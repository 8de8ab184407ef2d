using System.Numerics;
using System.Runtime.Intrinsics;
using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>
/// codes = the B·K largest of relu(pre) over the whole batch (Bussmann et al. 2024), latents ascending per row; ties at
/// the cut go to the lower flat index b·F + j. The per-row top K bound the cut from below (their B·K values are all in
/// the batch, so the B·K-th largest is at least their minimum): only entries at or above that bound are gathered and
/// sorted, a few more than B·K, instead of the whole batch.
/// </summary>
public static class BatchTopKActivation
{
    // codes (B rows), pre (B,F)
    public static void Forward(SparseCodes codes, float[] pre, int K, int B, int F)
    {
        var perRow = new SparseCodes();
        TopKActivation.Forward(perRow, pre, K, B, F);
        var full = true;
        for (var b = 0; b < B && full; b++) full = perRow.RowStart[b + 1] - perRow.RowStart[b] == K;
        // with a row short of K positives the union has fewer than B·K values and bounds nothing: every positive competes
        var bound = full ? perRow.Value.AsSpan(0, perRow.Count).ToArray().Min() : float.Epsilon;
        var candidates = Gather(pre, bound, B, F);

        var n = candidates.Count;
        var order = new int[n];  // (n) candidate entries, best first
        for (var e = 0; e < n; e++) order[e] = e;
        // entries are in flat order, so the entry index breaks ties by flat index
        var value = candidates.Value;
        Array.Sort(order, (p, q) =>
        {
            var byValue = value[q].CompareTo(value[p]);
            return byValue != 0 ? byValue : p.CompareTo(q);
        });
        var taken = new bool[n];
        for (var i = 0; i < Math.Min(n, (long)B * K); i++) taken[order[i]] = true;

        var counts = new int[B];
        for (var b = 0; b < B; b++)
            for (var e = candidates.RowStart[b]; e < candidates.RowStart[b + 1]; e++)
                if (taken[e]) counts[b]++;
        codes.Allocate(B, counts);
        var next = 0;
        for (var e = 0; e < n; e++)
        {
            if (!taken[e]) continue;
            codes.Latent[next] = candidates.Latent[e];
            codes.Value[next++] = candidates.Value[e];
        }
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

    // The entries ≥ bound of every row: a counting pass then a filling pass, both skipping 16 entries per vector compare.
    private static SparseCodes Gather(float[] pre, float bound, int B, int F)
    {
        var candidates = new SparseCodes();
        var counts = new int[B];
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++) counts[b] = Scan(pre.AsSpan(b * F, F), bound, [], []);
        }, minRange: 16);
        candidates.Allocate(B, counts);
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var start = candidates.RowStart[b];
                Scan(pre.AsSpan(b * F, F), bound, candidates.Latent.AsSpan(start, counts[b]), candidates.Value.AsSpan(start, counts[b]));
            }
        }, minRange: 16);
        return candidates;
    }

    // Counts the entries ≥ bound of one row and, when the spans are not empty, writes them (latents ascending).
    private static int Scan(ReadOnlySpan<float> row, float bound, Span<int> latents, Span<float> values)
    {
        var n = 0;
        var j = 0;
        var write = !latents.IsEmpty;
        if (Vector512.IsHardwareAccelerated)
            for (; j <= row.Length - Vector512<float>.Count; j += Vector512<float>.Count)
            {
                var mask = Vector512.GreaterThanOrEqual(Vector512.Create(row.Slice(j, Vector512<float>.Count)), Vector512.Create(bound)).ExtractMostSignificantBits();
                if (!write)
                {
                    n += BitOperations.PopCount(mask);
                    continue;
                }
                for (; mask != 0; mask &= mask - 1)
                {
                    var l = j + BitOperations.TrailingZeroCount(mask);
                    latents[n] = l;
                    values[n++] = row[l];
                }
            }
        for (; j < row.Length; j++)
        {
            if (row[j] < bound || float.IsNaN(row[j])) continue;
            if (write)
            {
                latents[n] = j;
                values[n] = row[j];
            }
            n++;
        }
        return n;
    }
}
