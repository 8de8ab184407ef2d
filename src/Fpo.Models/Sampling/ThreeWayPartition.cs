namespace Fpo.Models.Sampling;

/// <summary>The partition step of the quickselects behind top-k and top-p: descending order, ties kept together, so
/// runs of equal values (common in logits) cost one pass instead of degrading the selection.</summary>
internal static class ThreeWayPartition
{
    /// <summary>Reorders a[lo..hi) into values larger than the pivot, then equal, then smaller; returns the ends of
    /// the first two parts.</summary>
    public static (int GtEnd, int EqEnd) Run(Span<float> a, int lo, int hi, float pivot)
    {
        int lt = lo, i = lo, gt = hi;
        while (i < gt)
        {
            var v = a[i];
            if (v > pivot)
            {
                (a[lt], a[i]) = (a[i], a[lt]);
                lt++;
                i++;
            }
            else if (v < pivot)
            {
                gt--;
                (a[gt], a[i]) = (a[i], a[gt]);
            }
            else i++;
        }
        return (lt, gt);
    }

    /// <summary>The median of a[lo], a[mid], a[hi-1]: a pivot that sorted or reversed input cannot make the worst.</summary>
    public static float MedianOfThree(ReadOnlySpan<float> a, int lo, int hi)
    {
        float x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        return x < y ? (y < z ? y : Math.Max(x, z)) : (x < z ? x : Math.Max(y, z));
    }
}
