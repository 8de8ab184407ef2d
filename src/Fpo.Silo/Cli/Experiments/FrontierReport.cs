using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fpo.Silo.Charts;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>
/// The frontier experiment's results: a markdown table of every run's final evaluation (also printed), the methods
/// compared at matched KL and at matched feature drift (<see cref="MatchedComparison"/>) with what FPO does and does not
/// beat, the same as JSON, and two scatter charts of every evaluated snapshot's length-controlled win rate against KL
/// and against drift, one colour per method.
/// </summary>
public static class FrontierReport
{
    public const string MarkdownFile = "frontier.md";
    public const string JsonFile = "frontier.json";
    public const string KlChart = "frontier-kl.svg";
    public const string DriftChart = "frontier-drift.svg";

    // An interval of one seed, or of a run without the bootstrap, is NaN: written as the string "NaN" rather than failing the report.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly (string Axis, Func<CurvePoint, double?> X)[] Axes = [("KL/token", p => p.Kl), ("drift", p => p.Drift)];

    public static async Task WriteAsync(string folder, IReadOnlyList<FrontierResult> results)
    {
        Directory.CreateDirectory(folder);
        var tables = Tables(results);
        await File.WriteAllTextAsync(Path.Combine(folder, MarkdownFile), Markdown(results)).ConfigureAwait(false);
        var json = new
        {
            runs = results,
            matched = tables.Select(t => new
            {
                axis = t.Axis, levels = t.Levels,
                settings = t.Settings.Select((s, i) => new { setting = s, cells = t.Levels.Select((_, l) => t.Cells[l, i]).ToList() }).ToList(),
                verdicts = MatchedComparison.Verdicts(t).ToList(),
            }),
        };
        await File.WriteAllTextAsync(Path.Combine(folder, JsonFile), JsonSerializer.Serialize(json, Json) + "\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, KlChart), Chart(results, "KL(policy ‖ reference) per token", p => p.Kl)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, DriftChart), Chart(results, "feature drift D_fpo", p => p.Drift)).ConfigureAwait(false);
    }

    /// <summary>
    /// The runs of an experiment's <see cref="JsonFile"/>, so its report can be written again (by a newer version, say)
    /// without running anything.
    /// </summary>
    public static IReadOnlyList<FrontierResult> Read(string folder)
    {
        var path = Path.Combine(folder, JsonFile);
        if (!File.Exists(path)) throw new CliException($"{folder} holds no {JsonFile}: not a frontier experiment, or one that finished no run");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("runs").Deserialize<List<FrontierResult>>(Json) ?? [];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CliException($"{path}: not a frontier report this version reads ({e.Message})");
        }
    }

    public static string Markdown(IReadOnlyList<FrontierResult> results)
    {
        var md = new StringBuilder();
        md.Append("| method | beta | alpha | seed | snapshot | steps | LC win rate [95%] | raw (ties ½) | KL/token | drift | length | minutes | stop |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var r in results)
            md.Append(CultureInfo.InvariantCulture, $"| {r.Method} | {FrontierPoint.Number(r.Beta)} | {(r.Alpha is { } a ? FrontierPoint.Number(a) : "-")} | {r.Seed} | {r.Snapshot} | {r.TrainerSteps} | ")
              .Append(CultureInfo.InvariantCulture, $"{Percent(r.LengthControlledWinRate)} [{Percent(r.LengthControlledLow)}, {Percent(r.LengthControlledHigh)}] | {Percent(r.WinRateWithTies)} | ")
              .Append(CultureInfo.InvariantCulture, $"{Number(r.KlPerToken, "F4")} | {Number(r.FeatureDrift, "G4")} | {Number(r.MeanLength, "F1")} | {r.Minutes:F1} | {r.Stop} |\n");
        foreach (var table in Tables(results))
        {
            md.Append(CultureInfo.InvariantCulture, $"\nLength-controlled win rate at matched {table.Axis} (mean over seeds, 95% t-interval):\n\n").Append(MatchedComparison.Markdown(table));
            foreach (var verdict in MatchedComparison.Verdicts(table)) md.Append("- ").Append(verdict).Append('\n');
        }
        md.Append(CultureInfo.InvariantCulture, $"\n![LC win rate against KL]({KlChart})\n![LC win rate against feature drift]({DriftChart})\n");
        return md.ToString();
    }

    private static List<MatchedComparison.Table> Tables(IReadOnlyList<FrontierResult> results) =>
        [.. Axes.Select(a => MatchedComparison.Compare(results, MatchedComparison.Levels(results, a.X), a.Axis, a.X)).Where(t => t.Levels.Count > 0)];

    private static string Chart(IReadOnlyList<FrontierResult> results, string xLabel, Func<CurvePoint, double?> x) =>
        ScatterChart.Render($"Length-controlled win rate against {xLabel} (every evaluated snapshot)", xLabel, "held-out LC win rate",
            [.. results.SelectMany(r => r.Curve.Where(p => x(p) is not null && double.IsFinite(p.Lc))
                .Select(p => new ScatterPoint(x(p)!.Value, p.Lc, "", r.Method)))]);

    private static string Percent(double? x) => x is { } v && double.IsFinite(v) ? v.ToString("P1", CultureInfo.InvariantCulture) : "-";

    private static string Number(double? x, string format) => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
