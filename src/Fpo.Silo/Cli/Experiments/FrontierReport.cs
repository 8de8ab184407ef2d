using System.Globalization;
using System.Text;
using System.Text.Json;
using Fpo.Silo.Charts;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>
/// The frontier experiment's results: a markdown table (also printed), the same as JSON, and two scatter charts of
/// final win rate against KL and against feature drift, one colour per method.
/// </summary>
public static class FrontierReport
{
    public const string MarkdownFile = "frontier.md";
    public const string JsonFile = "frontier.json";
    public const string KlChart = "frontier-kl.svg";
    public const string DriftChart = "frontier-drift.svg";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static async Task WriteAsync(string folder, IReadOnlyList<FrontierResult> results)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, MarkdownFile), Markdown(results)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, JsonFile), JsonSerializer.Serialize(results, Json) + "\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, KlChart), Chart(results, "KL(policy ‖ reference) per token", r => r.KlPerToken)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, DriftChart), Chart(results, "feature drift D_fpo", r => r.FeatureDrift)).ConfigureAwait(false);
    }

    public static string Markdown(IReadOnlyList<FrontierResult> results)
    {
        var md = new StringBuilder();
        md.Append("| method | beta | alpha | snapshot | steps | trained | win rate | win rate (ties ½) | KL/token | drift | length | minutes | stop |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var r in results)
            md.Append(CultureInfo.InvariantCulture, $"| {r.Method} | {FrontierPoint.Number(r.Beta)} | {(r.Alpha is { } a ? FrontierPoint.Number(a) : "-")} | {r.Snapshot} | {r.TrainerSteps} | {r.Trained} | ")
              .Append(CultureInfo.InvariantCulture, $"{Percent(r.WinRate)} | {Percent(r.WinRateWithTies)} | {Number(r.KlPerToken, "F4")} | {Number(r.FeatureDrift, "G4")} | {Number(r.MeanLength, "F1")} | {r.Minutes:F1} | {r.Stop} |\n");
        md.Append(CultureInfo.InvariantCulture, $"\n![final win rate against KL]({KlChart})\n![final win rate against feature drift]({DriftChart})\n");
        return md.ToString();
    }

    private static string Chart(IReadOnlyList<FrontierResult> results, string xLabel, Func<FrontierResult, double?> x) =>
        ScatterChart.Render($"Final win rate against {xLabel}", xLabel, "final held-out win rate",
            [.. results.Where(r => x(r) is not null && r.WinRate is not null)
                .Select(r => new ScatterPoint(x(r)!.Value, r.WinRate!.Value, new FrontierPoint(r.Method, r.Beta, r.Alpha).Label, r.Method))]);

    private static string Percent(double? x) => x is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "-";

    private static string Number(double? x, string format) => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
