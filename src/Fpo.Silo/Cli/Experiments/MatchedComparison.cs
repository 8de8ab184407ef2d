using System.Globalization;
using System.Text;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>
/// Methods compared at equal divergence: each run's curve of length-controlled win rate against KL (or drift) is
/// interpolated at a level, the runs of one setting (its seeds) are averaged, and the mean gets a 95% t-interval over
/// the seeds, so run-to-run variation and the evaluation's sampling noise are both in it. FPO differs from a baseline at
/// a level only where the two intervals do not overlap.
/// </summary>
public static class MatchedComparison
{
    /// <summary>One setting's win rate at one level: mean over the runs that reached it, its interval, how many runs did.</summary>
    public sealed record Cell(double Mean, double Low, double High, int Runs);

    /// <summary>At each level, each setting's cell (null where fewer than one run reached the level).</summary>
    public sealed record Table(string Axis, IReadOnlyList<double> Levels, IReadOnlyList<string> Settings, Cell?[,] Cells);

    /// <summary>
    /// Levels every setting's runs reached: by default the highest divergence reached by all runs and half of it,
    /// rounded down to two significant digits (rounding up could pass the lowest run's maximum).
    /// </summary>
    public static IReadOnlyList<double> Levels(IReadOnlyList<FrontierResult> results, Func<CurvePoint, double?> x)
    {
        var maxima = results.Where(r => r.Curve.Count > 1).Select(r => r.Curve.Max(p => x(p) ?? double.NaN)).Where(double.IsFinite).ToList();
        if (maxima.Count == 0) return [];
        var common = maxima.Min();
        return common > 0 ? [Round(common / 2), Round(common)] : [];
    }

    public static Table Compare(IReadOnlyList<FrontierResult> results, IReadOnlyList<double> levels, string axis, Func<CurvePoint, double?> x)
    {
        var settings = results.Select(r => r.Setting).Distinct().ToList();
        var cells = new Cell?[levels.Count, settings.Count];
        for (var l = 0; l < levels.Count; l++)
            for (var s = 0; s < settings.Count; s++)
            {
                var values = results.Where(r => r.Setting == settings[s]).Select(r => FrontierCurve.At(r.Curve, levels[l] * 0.999999, x)?.Lc)
                    .OfType<double>().ToList();
                cells[l, s] = values.Count == 0 ? null : Summarise(values);
            }
        return new Table(axis, levels, settings, cells);
    }

    /// <summary>Mean and 95% t-interval of <paramref name="values"/> (one value: no interval).</summary>
    public static Cell Summarise(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        if (values.Count < 2) return new Cell(mean, double.NaN, double.NaN, values.Count);
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        var half = StudentT975(values.Count - 1) * sd / Math.Sqrt(values.Count);
        return new Cell(mean, mean - half, mean + half, values.Count);
    }

    /// <summary>
    /// The 97.5th percentile of Student's t with <paramref name="df"/> degrees of freedom (two-sided 95%): tabled to 10,
    /// beyond by the Cornish–Fisher expansion around the normal quantile, within 0.001 of the exact value there.
    /// </summary>
    public static double StudentT975(int df)
    {
        if (df < 1) return double.NaN;
        double[] table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
        if (df <= table.Length) return table[df - 1];
        const double z = 1.959964;
        double z3 = z * z * z, z5 = z3 * z * z, n = df;
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n);
    }

    /// <summary>Each non-FPO setting against each FPO setting at each level: higher, lower, or within the intervals.</summary>
    public static IEnumerable<string> Verdicts(Table table)
    {
        for (var l = 0; l < table.Levels.Count; l++)
            for (var f = 0; f < table.Settings.Count; f++)
            {
                if (!table.Settings[f].StartsWith("fpo", StringComparison.Ordinal) || table.Cells[l, f] is not { } fpo) continue;
                for (var b = 0; b < table.Settings.Count; b++)
                {
                    if (table.Settings[b].StartsWith("fpo", StringComparison.Ordinal) || table.Cells[l, b] is not { } other) continue;
                    var verdict = !(fpo.Low > other.High || fpo.High < other.Low) || double.IsNaN(fpo.Low) || double.IsNaN(other.Low)
                        ? "no difference beyond the intervals"
                        : fpo.Mean > other.Mean ? "FPO higher (intervals apart)" : "FPO lower (intervals apart)";
                    yield return string.Create(CultureInfo.InvariantCulture,
                        $"at {table.Axis} {table.Levels[l]:G3}: {table.Settings[f]} {Percent(fpo.Mean)} against {table.Settings[b]} {Percent(other.Mean)} (difference {100 * (fpo.Mean - other.Mean):+0.0;-0.0} points): {verdict}");
                }
            }
    }

    public static string Markdown(Table table)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"| {table.Axis} | {string.Join(" | ", table.Settings)} |\n|---:|{string.Concat(table.Settings.Select(_ => "---:|"))}\n");
        for (var l = 0; l < table.Levels.Count; l++)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {table.Levels[l]:G3} |");
            for (var s = 0; s < table.Settings.Count; s++)
                md.Append(table.Cells[l, s] is { } c ? string.Create(CultureInfo.InvariantCulture, $" {Percent(c.Mean)} [{Percent(c.Low)}, {Percent(c.High)}] (n={c.Runs}) |") : " - |");
            md.Append('\n');
        }
        return md.ToString();
    }

    private static string Percent(double x) => double.IsFinite(x) ? (100 * x).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-";

    private static double Round(double x)
    {
        var unit = Math.Pow(10, Math.Floor(Math.Log10(x)) - 1);
        return Math.Floor(x / unit) * unit;
    }
}
