using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench;

/// <summary>
/// Prints the preference-loss benchmark per shape: each method's step time and peak RSS in both engines with the ratios,
/// the reference data per pair, and the issue's targets (FPO ≤ 1.15× SimPO and ≤ 0.8× TDPO2 in step time, FPO's
/// reference data ≤ 1% of TDPO's) checked on our numbers and on PyTorch's. The step-time targets on our side are judged
/// on the interleaved ratios: runs of separate processes minutes apart drift with the neighbours' load.
/// </summary>
public static class LossBenchReport
{
    public static void Print(IReadOnlyList<LossBenchResult> results, IReadOnlyList<InterleavedSteps> interleaved)
    {
        foreach (var shape in results.GroupBy(r => r.Shape))
        {
            var alternated = interleaved.FirstOrDefault(i => i.Shape == shape.Key);
            var rows = shape.ToList();
            var table = new Table().Title($"preference step {shape.Key}: {LossBenchShape.Pairs} pairs × ({LossBenchShape.Prompt} + {LossBenchShape.Response}) tokens, {rows[0].Threads} threads");
            foreach (var h in new[] { "method", "fpo step s (best)", "pytorch step s (best)", "speed ratio", "fpo peak RSS MB", "pytorch peak RSS MB", "RSS ratio", "reference bytes/pair" })
                table.AddColumn(h);
            foreach (var r in rows)
                table.AddRow(r.Method, $"{r.Ours.StepSeconds:F3} ({r.Ours.BestSeconds:F3})", $"{r.Torch.StepSeconds:F3} ({r.Torch.BestSeconds:F3})", $"{r.SpeedRatio:F2}x", Mb(r.Ours.PeakRssBytes),
                    Mb(r.Torch.PeakRssBytes), $"{r.MemoryRatio:F2}", $"{r.ReferenceBytesPerPair:N0}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]baseline RSS before the benchmark's buffers: fpo {Mb(rows[0].Ours.BaselineRssBytes)} MB, pytorch {Mb(rows[0].Torch.BaselineRssBytes)} MB[/]");
            if (rows.FirstOrDefault(r => r.Ours.ActiveLatentFraction is not null) is { } fpo)
                AnsiConsole.MarkupLine($"[grey]SAE codes active on the response tokens: fpo {fpo.Ours.ActiveLatentFraction:P2}, pytorch {fpo.Torch.ActiveLatentFraction:P2}[/]");
            if (alternated is not null)
                AnsiConsole.MarkupLine(Markup.Escape($"interleaved in one process, median of {alternated.Times.First().Value.Length} rounds: "
                    + string.Join(", ", alternated.Times.Keys.Select(m => $"{m} {alternated.Median(m):F3} s"))));
            foreach (var line in Targets(rows, alternated)) AnsiConsole.MarkupLine(Markup.Escape(line.Text));
        }
    }

    public static string Json(IReadOnlyList<LossBenchResult> results, IReadOnlyList<InterleavedSteps> interleaved) => new JsonObject
    {
        ["pairs"] = LossBenchShape.Pairs, ["prompt"] = LossBenchShape.Prompt, ["response"] = LossBenchShape.Response,
        ["results"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
        {
            ["shape"] = r.Shape, ["method"] = r.Method, ["threads"] = r.Threads,
            ["fpo_step_s"] = r.Ours.StepSeconds, ["pytorch_step_s"] = r.Torch.StepSeconds, ["speed_ratio"] = r.SpeedRatio,
            ["fpo_best_step_s"] = r.Ours.BestSeconds, ["pytorch_best_step_s"] = r.Torch.BestSeconds,
            ["fpo_peak_rss_bytes"] = r.Ours.PeakRssBytes, ["pytorch_peak_rss_bytes"] = r.Torch.PeakRssBytes, ["rss_ratio"] = r.MemoryRatio,
            ["fpo_baseline_rss_bytes"] = r.Ours.BaselineRssBytes, ["pytorch_baseline_rss_bytes"] = r.Torch.BaselineRssBytes,
            ["fpo_loss"] = r.Ours.Loss, ["pytorch_loss"] = r.Torch.Loss, ["fpo_active_latent_fraction"] = r.Ours.ActiveLatentFraction,
            ["pytorch_active_latent_fraction"] = r.Torch.ActiveLatentFraction,
            ["reference_bytes_per_pair"] = r.ReferenceBytesPerPair,
        })]),
        ["interleaved"] = new JsonArray([.. interleaved.Select(i => (JsonNode)new JsonObject
        {
            ["shape"] = i.Shape,
            ["step_s"] = new JsonObject(i.Times.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)new JsonArray([.. m.Value.Select(v => (JsonNode)v)])))),
            ["median_step_s"] = new JsonObject(i.Times.Keys.Select(m => KeyValuePair.Create(m, (JsonNode?)i.Median(m)))),
        })]),
        ["targets"] = new JsonArray([.. results.GroupBy(r => r.Shape).SelectMany(g => Targets([.. g], interleaved.FirstOrDefault(i => i.Shape == g.Key)).Select(t => (JsonNode)new JsonObject
        {
            ["shape"] = g.Key, ["target"] = t.Name, ["engine"] = t.Engine, ["value"] = t.Value, ["limit"] = t.Limit, ["met"] = t.Limit is { } limit ? t.Value <= limit : null,
        }))]),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private sealed record Target(string Name, string Engine, double Value, double? Limit, string Text);

    private static IEnumerable<Target> Targets(List<LossBenchResult> rows, InterleavedSteps? interleaved)
    {
        var by = rows.ToDictionary(r => r.Method);
        if (!by.TryGetValue("fpo", out var fpo)) yield break;
        if (interleaved?.Ratio("fpo", "simpo") is { } toSimpo) yield return Check("FPO step / SimPO step", "fpo interleaved", toSimpo, 1.15);
        if (interleaved?.Ratio("fpo", "tdpo2") is { } toTdpo2) yield return Check("FPO step / TDPO2 step", "fpo interleaved", toTdpo2, 0.8);
        // The best step beside the median: on a shared machine a neighbour's load lands on some steps and not others.
        foreach (var (engine, time) in new (string, Func<LossBenchResult, double>)[]
                 {
                     ("fpo separate processes", r => r.Ours.StepSeconds), ("pytorch", r => r.Torch.StepSeconds),
                     ("fpo separate processes, best", r => r.Ours.BestSeconds), ("pytorch best", r => r.Torch.BestSeconds),
                 })
        {
            if (by.TryGetValue("simpo", out var simpo))
                yield return Check("FPO step / SimPO step", engine, time(fpo) / time(simpo), 1.15);
            if (by.TryGetValue("tdpo2", out var tdpo2))
                yield return Check("FPO step / TDPO2 step", engine, time(fpo) / time(tdpo2), 0.8);
        }
        if (by.TryGetValue("tdpo2", out var t))
        {
            yield return Check("FPO reference bytes / TDPO's", "both", (double)fpo.ReferenceBytesPerPair / t.ReferenceBytesPerPair, 0.01);
            yield return Info("FPO peak RSS / TDPO2's", "fpo", (double)fpo.Ours.PeakRssBytes / t.Ours.PeakRssBytes);
            yield return Info("FPO peak RSS / TDPO2's", "pytorch", (double)fpo.Torch.PeakRssBytes / t.Torch.PeakRssBytes);
        }
    }

    private static Target Check(string name, string engine, double value, double limit) =>
        new(name, engine, value, limit, $"{name} ({engine}): {value:G3}, target ≤ {limit} — {(value <= limit ? "met" : "MISSED")}");

    private static Target Info(string name, string engine, double value) =>
        new(name, engine, value, null, $"{name} ({engine}): {value:F3}");

    private static string Mb(long bytes) => $"{bytes / 1048576.0:F0}";
}
