using System.Globalization;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Training;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>
/// The runs of `fpo experiment frontier`: every method at each beta scale times its default beta (SimPO's
/// default is 2, the others' 0.1, so one grid of scales fits all), FPO additionally at each alpha, each with every seed.
/// </summary>
public static class FrontierGrid
{
    public static IReadOnlyList<FrontierPoint> Build(IReadOnlyList<string> methods, IReadOnlyList<double> betaScales, IReadOnlyList<double> alphas,
        IReadOnlyList<int>? seeds = null)
    {
        seeds ??= [1];
        if (seeds.Count == 0) throw new CliException("--seeds needs at least one seed");
        foreach (var m in methods)
            if (Array.IndexOf(PreferenceTrainingSettings.Methods, m) < 0)
                throw new CliException($"--methods: unknown method '{m}' (expected {string.Join(", ", PreferenceTrainingSettings.Methods)})");
        if (methods.Count == 0 || betaScales.Count == 0 || alphas.Count == 0) throw new CliException("--methods, --beta-scales and --alphas each need at least one value");
        if (betaScales.Any(s => !(s > 0))) throw new CliException($"--beta-scales must be positive (got {string.Join(",", betaScales)})");
        if (alphas.Any(a => !(a >= 0))) throw new CliException($"--alphas must be >= 0 (got {string.Join(",", alphas)})");
        var points = new List<FrontierPoint>();
        foreach (var method in methods.Distinct())
            foreach (var scale in betaScales.Distinct())
            {
                var beta = (float)(PreferenceLossSettings.Default(method).Beta * scale);
                foreach (var seed in seeds.Distinct())
                    if (method == "fpo") points.AddRange(alphas.Distinct().Select(a => new FrontierPoint(method, beta, (float)a, seed)));
                    else points.Add(new FrontierPoint(method, beta, null, seed));
            }
        return points;
    }

    /// <summary>A comma-separated list of whole numbers of option <paramref name="option"/>, e.g. "1,2,3".</summary>
    public static List<int> Integers(string option, string text) =>
        [.. Words(text).Select(w => int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) && x >= 0
            ? x
            : throw new CliException($"{option}: '{w}' is not a whole number >= 0 (expected a comma-separated list such as 1,2,3)"))];

    /// <summary>A comma-separated list, e.g. "fpo,dpo".</summary>
    public static List<string> Words(string text) => [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>A comma-separated list of numbers of option <paramref name="option"/>, e.g. "0.5,1,2".</summary>
    public static List<double> Numbers(string option, string text) =>
        [.. Words(text).Select(w => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
            ? x
            : throw new CliException($"{option}: '{w}' is not a number (expected a comma-separated list such as 0.5,1,2)"))];
}
