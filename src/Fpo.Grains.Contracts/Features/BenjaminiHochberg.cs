namespace Fpo.Grains.Contracts;

/// <summary>
/// Benjamini–Hochberg control of the false discovery rate over a family of m tests: with the p-values sorted
/// p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value (q-value) of the test of rank r is
/// <code>
/// q₍ᵣ₎ = min(1, min over k ≥ r of m·p₍ₖ₎/k)
/// </code>
/// and rejecting every test with q ≤ α keeps the expected share of false rejections among the rejections at most α
/// (for independent or positively dependent tests). Tied p-values get the same q.
/// <para>
/// The family may be given in part: <see cref="QValues(IReadOnlyList{double}, long)"/> takes the smallest p-values of a family of
/// <c>tests</c> ≥ their count. A q-value that comes out ≤ α from every p-value ≤ α of the family is exact, because each
/// p-value left out (&gt; α) could only contribute m·p₍ₖ₎/k ≥ p₍ₖ₎ &gt; α to the minimum; larger q-values are upper
/// bounds. That lets each shard of latents send only its p-values ≤ α and the count it tested.
/// </para>
/// </summary>
public static class BenjaminiHochberg
{
    /// <summary>The q-values of a whole family, in the order of <paramref name="pValues"/>.</summary>
    public static double[] QValues(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        return QValues(pValues, pValues.Count);
    }

    /// <summary>
    /// The q-values of <paramref name="pValues"/>, in their order, as members of a family of <paramref name="tests"/>
    /// tests whose other p-values are all larger than these.
    /// </summary>
    public static double[] QValues(IReadOnlyList<double> pValues, long tests)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        if (tests < pValues.Count) throw new ArgumentOutOfRangeException(nameof(tests), tests, $"a family of {tests} tests cannot hold {pValues.Count} p-values");
        for (var i = 0; i < pValues.Count; i++)
            if (!(pValues[i] is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(pValues), pValues[i], $"p-value {i} is not in [0, 1]");
        var order = Enumerable.Range(0, pValues.Count).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var q = new double[pValues.Count];
        var running = 1.0;
        for (var rank = order.Length; rank >= 1; rank--)
        {
            var i = order[rank - 1];
            running = Math.Min(running, tests * pValues[i] / rank);
            q[i] = running;
        }
        return q;
    }
}
