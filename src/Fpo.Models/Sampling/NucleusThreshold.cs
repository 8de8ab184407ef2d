namespace Fpo.Models.Sampling;

/// <summary>
/// The top-p cut without sorting: the largest weight τ such that the weights &gt;= τ sum to at least the target.
/// Sorting descending and keeping the shortest prefix whose sum reaches the target, plus every weight tied with its
/// last one, keeps exactly the weights &gt;= τ. One pass sums the weights into buckets of their float bits (which
/// order non-negative floats as their values do: 8 buckets per octave), a scan from the top finds the bucket where
/// the running mass reaches the target, and a quickselect on mass finds τ among that bucket's weights only.
/// </summary>
internal static class NucleusThreshold
{
    private const int Shift = 20;

    /// <summary>Buckets a histogram needs: one per value of (float bits &gt;&gt; 20) of a finite non-negative float.</summary>
    public const int Buckets = 0x7F800000 >> Shift;

    // weights (n) non-negative and finite, target in (0, sum of weights], scratch (>= n), histogram (Buckets). Returns τ.
    public static float Find(ReadOnlySpan<float> weights, double target, Span<float> scratch, Span<double> histogram)
    {
        histogram = histogram[..Buckets];
        histogram.Clear();
        foreach (var w in weights) histogram[BitConverter.SingleToInt32Bits(w) >> Shift] += w;
        double above = 0; // mass of the buckets above the one searched
        var bucket = Buckets - 1;
        var lowest = 0;
        while (histogram[lowest] == 0 && lowest < bucket) lowest++;
        for (; bucket > lowest && above + histogram[bucket] < target; bucket--) above += histogram[bucket];
        var n = 0;
        foreach (var w in weights)
            if (BitConverter.SingleToInt32Bits(w) >> Shift == bucket) scratch[n++] = w;
        return Select(scratch[..n], target - above);
    }

    // The same cut within one set of weights by a quickselect on mass: expected linear time, a[] reordered.
    internal static float Select(Span<float> a, double target)
    {
        int lo = 0, hi = a.Length;
        double above = 0; // mass of the weights known to be larger than every weight in a[lo..hi)
        while (true)
        {
            var pivot = MedianOfThree(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
            var (gtEnd, eqEnd, gtMass, eqMass) = Partition(a, lo, hi, pivot);
            if (above + gtMass >= target)
                hi = gtEnd;
            else if (above + gtMass + eqMass >= target || eqEnd == hi)
                return pivot; // the second test: rounding left the whole range short of the target, so keep it all
            else
            {
                above += gtMass + eqMass;
                lo = eqEnd;
            }
        }
    }

    // Three-way partition of a[lo..hi): larger than the pivot first, then equal, then smaller; returns the ends of
    // the first two parts and their masses.
    private static (int GtEnd, int EqEnd, double GtMass, double EqMass) Partition(Span<float> a, int lo, int hi, float pivot)
    {
        int lt = lo, i = lo, gt = hi;
        double gtMass = 0, eqMass = 0;
        while (i < gt)
        {
            var v = a[i];
            if (v > pivot)
            {
                gtMass += v;
                (a[lt], a[i]) = (a[i], a[lt]);
                lt++;
                i++;
            }
            else if (v < pivot)
            {
                gt--;
                (a[gt], a[i]) = (a[i], a[gt]);
            }
            else
            {
                eqMass += v;
                i++;
            }
        }
        return (lt, gt, gtMass, eqMass);
    }

    private static float MedianOfThree(float a, float b, float c) =>
        a < b ? (b < c ? b : Math.Max(a, c)) : (a < c ? a : Math.Max(b, c));
}
