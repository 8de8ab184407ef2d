namespace Fpo.Alignment.Evaluation;

/// <summary>
/// Percentile-bootstrap 95% intervals over prompts: resample the held-out prompts with replacement, recompute the raw
/// and the length-controlled win rate (refitting the length model, its scale included), and take the 2.5th and 97.5th
/// percentiles. Abstentions stay in the resampled set and drop out of each statistic, as they do from the point
/// estimate. Seeded, so a snapshot's intervals are reproducible.
/// </summary>
public static class WinRateBootstrap
{
    public const int DefaultResamples = 1000;

    public static WinRateSummary Summarise(IReadOnlyList<HeldOutOutcome> outcomes, int resamples = DefaultResamples, int seed = 20240101)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(resamples);
        int wins = 0, losses = 0, ties = 0, abstentions = 0;
        foreach (var o in outcomes)
        {
            switch (o.Preference)
            {
                case null: abstentions++; break;
                case HeldOutOutcome.Win: wins++; break;
                case HeldOutOutcome.Loss: losses++; break;
                case HeldOutOutcome.Tie: ties++; break;
                default: throw new ArgumentException($"a held-out outcome is 0, 0.5 or 1 (got {o.Preference})", nameof(outcomes));
            }
        }
        var raw = Raw(outcomes);
        var fit = LengthControlledFit.Fit(outcomes);
        var lc = fit?.WinRate ?? double.NaN;
        if (fit is null || resamples == 0)
            return new WinRateSummary(wins, losses, ties, abstentions, raw, double.NaN, double.NaN, lc, double.NaN, double.NaN, fit?.Slope ?? double.NaN, 0);

        var random = new Random(seed);
        var sample = new HeldOutOutcome[outcomes.Count];
        var raws = new List<double>(resamples);
        var lcs = new List<double>(resamples);
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < sample.Length; i++) sample[i] = outcomes[random.Next(outcomes.Count)];
            if (LengthControlledFit.Fit(sample) is not { } refit) continue;  // every drawn prompt abstained
            raws.Add(Raw(sample));
            lcs.Add(refit.WinRate);
        }
        return new WinRateSummary(wins, losses, ties, abstentions, raw, Percentile(raws, 0.025), Percentile(raws, 0.975),
            lc, Percentile(lcs, 0.025), Percentile(lcs, 0.975), fit.Value.Slope, lcs.Count);
    }

    /// <summary>(wins + ½ ties) / decided comparisons; NaN when there is none.</summary>
    public static double Raw(IReadOnlyList<HeldOutOutcome> outcomes)
    {
        double sum = 0;
        var decided = 0;
        foreach (var o in outcomes)
        {
            if (o.Preference is not { } p) continue;
            sum += p;
            decided++;
        }
        return decided == 0 ? double.NaN : sum / decided;
    }

    /// <summary>The q-quantile by linear interpolation between order statistics; NaN for no values.</summary>
    public static double Percentile(IEnumerable<double> sample, double q)
    {
        var values = sample.Order().ToList();
        if (values.Count == 0) return double.NaN;
        var position = q * (values.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, values.Count - 1);
        return values[lower] + (position - lower) * (values[upper] - values[lower]);
    }
}
