namespace Fpo.Alignment.Explanations;

/// <summary>The explanation score: Pearson's r between simulated and true activations over all held-out tokens.</summary>
public static class ActivationCorrelation
{
    /// <summary>r in [−1, 1], or null with the reason when it is undefined (fewer than 2 tokens, a constant side, non-finite input).</summary>
    public static (double? R, string Reason) Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{a.Length} simulated vs {b.Length} true activations", nameof(b));
        var n = a.Length;
        if (n < 2) return (null, $"{n} scored tokens; a correlation needs at least 2");
        double ma = 0, mb = 0;
        for (var i = 0; i < n; i++)
        {
            if (!double.IsFinite(a[i]) || !double.IsFinite(b[i])) return (null, $"non-finite activation at token {i}");
            ma += a[i];
            mb += b[i];
        }
        ma /= n;
        mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < n; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        if (saa == 0) return (null, "the simulated activations are constant, so the correlation is undefined");
        if (sbb == 0) return (null, "the true activations are constant, so the correlation is undefined");
        return (Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1), "");
    }
}
