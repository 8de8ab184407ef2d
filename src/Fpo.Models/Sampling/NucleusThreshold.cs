namespace Fpo.Models.Sampling;

/// <summary>
/// The top-p cut without sorting: the largest weight τ such that the weights &gt;= τ sum to at least the target.
/// Sorting descending and keeping the shortest prefix whose sum reaches the target, plus every weight tied with its
/// last one, keeps exactly the weights &gt;= τ; a quickselect on mass finds τ in expected linear time.
/// </summary>
internal static class NucleusThreshold
{
    // weights (n) non-negative, scratch (>= n); target in (0, sum of weights]. Returns τ.
    public static float Find(ReadOnlySpan<float> weights, double target, Span<float> scratch)
    {
        var a = scratch[..weights.Length];
        weights.CopyTo(a);
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
