using System.Text.Json;
using Fpo.Grains.Loop;
using Fpo.Silo.Charts;

namespace Fpo.Silo.Cli.Loop;

/// <summary>
/// The end of a loop run: a summary line, a line per evaluation of this process, whether it held its KL budget
/// (<see cref="KlBudgetSummary"/>), and chart.svg with the
/// length-controlled win rate and its interval's lower bound, KL, drift and length per snapshot version over every evaluation in metrics.jsonl (so a resumed run charts the whole run).
/// </summary>
public static class LoopReport
{
    public const string ChartFile = "chart.svg";

    public static async Task WriteAsync(LoopHost host, string runDir, TextWriter log)
    {
        var status = await host.StatusAsync(CancellationToken.None).ConfigureAwait(false);
        log.WriteLine($"fpo: {status.TrainerSteps} trainer steps, snapshot {status.SnapshotVersion}, {status.PairsProduced} pairs, {status.Labelled} labelled, {status.Abstentions} abstained, {status.DroppedStale} stale dropped");
        foreach (var e in host.Evaluations) log.WriteLine("fpo: " + LoopView.Describe(e));
        if (KlBudgetSummary.Describe(host.Evaluations, host.Settings.Trainer.KlBudget) is { } budget) log.WriteLine("fpo: " + budget);
        var chart = Path.Combine(runDir, ChartFile);
        await File.WriteAllTextAsync(chart, Chart(Path.Combine(runDir, LoopMetricsLog.FileName), Path.GetFileName(runDir))).ConfigureAwait(false);
        log.WriteLine($"fpo: chart of win rate, KL, drift and length per snapshot in {chart}");
    }

    /// <summary>The evaluation lines of a metrics.jsonl by snapshot version; the latest line of a version wins (a resumed run may score one again).</summary>
    public static SortedDictionary<long, JsonElement> Evaluations(string metricsPath)
    {
        var evaluations = new SortedDictionary<long, JsonElement>();
        foreach (var line in File.ReadLines(metricsPath))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (e.GetProperty("kind").GetString() == "evaluation") evaluations[e.GetProperty("version").GetInt64()] = e.Clone();
        }
        return evaluations;
    }

    /// <summary>A numeric field of a metrics line; null when it is absent or null (a NaN is written as null).</summary>
    public static double? Number(JsonElement line, string field) =>
        line.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>The chart of the evaluation lines of a metrics.jsonl.</summary>
    public static string Chart(string metricsPath, string title)
    {
        var evaluations = Evaluations(metricsPath);
        LineSeries Series(string name, string field) => new(name, [.. evaluations.Select(kv => new LinePoint(kv.Key, Number(kv.Value, field)))]);
        return LineChart.Render($"fpo loop {title}", "snapshot version",
        [
            Series("length-controlled win rate against the reference (evaluation judge, ties ½)", "lc_win_rate"),
            Series("its 95% interval's lower bound (bootstrap over prompts)", "lc_win_rate_low"),
            Series("KL(policy ‖ reference) per token", "kl_per_token"),
            Series("feature drift D_fpo", "feature_drift"),
            Series("mean response length (tokens)", "mean_length"),
        ]);
    }
}
