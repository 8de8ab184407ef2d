using System.Globalization;
using System.Text;

namespace Fpo.Testing.Statistics;

/// <summary>One Pearson chi-square goodness-of-fit result.</summary>
/// <param name="Statistic">Σ (observed - expected)² / expected over the bins.</param>
/// <param name="DegreesOfFreedom">Bins after merging, minus one.</param>
/// <param name="PValue">Probability of a statistic at least this large if the draws follow the expected distribution.</param>
/// <param name="ImpossibleDraws">Draws that landed on outcomes of expected probability 0.</param>
public readonly record struct ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue, long ImpossibleDraws);

/// <summary>
/// Pearson's chi-square goodness-of-fit test of counted draws against expected probabilities. Outcomes whose expected
/// count is below 5 are pooled into one bin (the approximation by the chi-square law needs about 5 per bin); a pool
/// still below 5 joins the smallest regular bin. Outcomes of probability 0 are not binned but counted: drawing one is
/// an error no p-value can excuse.
/// </summary>
public static class ChiSquare
{
    public const double MinExpected = 5;

    // observed (K) counts, probabilities (K) summing to 1
    public static ChiSquareResult Test(ReadOnlySpan<long> observed, ReadOnlySpan<double> probabilities)
    {
        if (observed.Length != probabilities.Length)
            throw new ArgumentException($"{observed.Length} observed counts but {probabilities.Length} probabilities");
        long n = 0, impossible = 0;
        foreach (var o in observed) n += o;
        var bins = new List<(double Expected, long Observed)>();
        double pooledExpected = 0;
        long pooledObserved = 0;
        for (var i = 0; i < observed.Length; i++)
        {
            var expected = n * probabilities[i];
            if (probabilities[i] <= 0) impossible += observed[i];
            else if (expected < MinExpected)
            {
                pooledExpected += expected;
                pooledObserved += observed[i];
            }
            else bins.Add((expected, observed[i]));
        }
        if (pooledExpected > 0)
        {
            if (pooledExpected >= MinExpected || bins.Count == 0) bins.Add((pooledExpected, pooledObserved));
            else
            {
                var smallest = 0;
                for (var b = 1; b < bins.Count; b++)
                    if (bins[b].Expected < bins[smallest].Expected) smallest = b;
                bins[smallest] = (bins[smallest].Expected + pooledExpected, bins[smallest].Observed + pooledObserved);
            }
        }
        double statistic = 0;
        foreach (var (e, o) in bins) statistic += (o - e) * (o - e) / e;
        var df = bins.Count - 1;
        var p = df == 0 ? 1.0 : IncompleteGamma.UpperRegularized(df / 2.0, statistic / 2);
        return new ChiSquareResult(statistic, df, p, impossible);
    }

    /// <summary>A line for the test log: statistic, degrees of freedom, p-value.</summary>
    public static string Describe(string name, ChiSquareResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"{name,-34} chi2={r.Statistic,9:F2} df={r.DegreesOfFreedom,3} p={r.PValue:G3}");

    /// <summary>Counts and expected counts side by side, for a failure message.</summary>
    public static string Table(ReadOnlySpan<long> observed, ReadOnlySpan<double> probabilities)
    {
        long n = 0;
        foreach (var o in observed) n += o;
        var text = new StringBuilder();
        for (var i = 0; i < observed.Length; i++)
            text.Append(CultureInfo.InvariantCulture, $"  {i,4}: observed {observed[i],8} expected {n * probabilities[i],10:F1}\n");
        return text.ToString();
    }
}
