using System.Globalization;

namespace Fpo.Silo.Charts;

/// <summary>
/// Maps data values in [<see cref="Min"/>, <see cref="Max"/>] linearly onto pixels [<see cref="From"/>, <see cref="To"/>]
/// (To &lt; From for a y axis, which grows upwards). The domain is the data's exact range, so the extremes sit on the
/// plot's edges; ticks are round numbers inside it.
/// </summary>
internal sealed record LinearScale(double Min, double Max, double From, double To)
{
    /// <summary>The scale of <paramref name="values"/> (non-finite ones ignored); a widened domain for one distinct value, [0, 1] for none.</summary>
    public static LinearScale Fit(IEnumerable<double> values, double from, double to)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (min > max) return new LinearScale(0, 1, from, to);
        if (min == max)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            return new LinearScale(min - pad, max + pad, from, to);
        }
        return new LinearScale(min, max, from, to);
    }

    public double Map(double value) => From + (value - Min) / (Max - Min) * (To - From);

    /// <summary>About <paramref name="count"/> ticks at multiples of 1, 2 or 5 × 10^k, never closer than <paramref name="minStep"/>.</summary>
    public IReadOnlyList<double> Ticks(int count = 5, double minStep = 0)
    {
        var step = Math.Max(NiceStep((Max - Min) / count), minStep);
        var ticks = new List<double>();
        for (var i = Math.Ceiling(Min / step); i * step <= Max + step * 1e-9; i++) ticks.Add(i * step);
        return ticks;
    }

    public static string Label(double tick) => tick.ToString("G4", CultureInfo.InvariantCulture);

    private static double NiceStep(double raw)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var f = raw / magnitude;
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
    }
}
