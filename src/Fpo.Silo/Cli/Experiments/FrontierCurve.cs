using Fpo.Silo.Cli.Loop;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>One evaluated snapshot of a frontier run: its KL, drift, length and length-controlled win rate with its 95% interval.</summary>
public sealed record CurvePoint(long Version, double Kl, double? Drift, double Lc, double Low, double High, double Length);

/// <summary>A run's curve: every evaluation in its metrics.jsonl with a length-controlled win rate, by version (the latest line of a version wins).</summary>
public static class FrontierCurve
{
    public static IReadOnlyList<CurvePoint> Read(string metricsPath)
    {
        if (!File.Exists(metricsPath)) return [];
        var points = new List<CurvePoint>();
        foreach (var (version, e) in LoopReport.Evaluations(metricsPath))
        {
            if (LoopReport.Number(e, "lc_win_rate") is not { } lc || LoopReport.Number(e, "kl_per_token") is not { } kl) continue;
            points.Add(new CurvePoint(version, kl, LoopReport.Number(e, "feature_drift"), lc, LoopReport.Number(e, "lc_win_rate_low") ?? double.NaN,
                LoopReport.Number(e, "lc_win_rate_high") ?? double.NaN, LoopReport.Number(e, "mean_length") ?? double.NaN));
        }
        return points;
    }

    /// <summary>
    /// The curve's win rate (and interval ends) where its divergence <paramref name="x"/> first reaches
    /// <paramref name="level"/>, interpolated linearly between the two snapshots around the crossing; null when the run
    /// never reached it. The first crossing, because a curve may come back below a level later.
    /// </summary>
    public static (double Lc, double Low, double High)? At(IReadOnlyList<CurvePoint> curve, double level, Func<CurvePoint, double?> x)
    {
        for (var i = 1; i < curve.Count; i++)
        {
            if (x(curve[i - 1]) is not { } x0 || x(curve[i]) is not { } x1) continue;
            if (!(x0 <= level && level <= x1) || x1 == x0) continue;
            var t = (level - x0) / (x1 - x0);
            double Mix(double a, double b) => a + t * (b - a);
            return (Mix(curve[i - 1].Lc, curve[i].Lc), Mix(curve[i - 1].Low, curve[i].Low), Mix(curve[i - 1].High, curve[i].High));
        }
        return null;
    }
}
