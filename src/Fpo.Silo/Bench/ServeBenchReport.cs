using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench;

/// <summary>Prints the serve benchmark as a table or as JSON.</summary>
public static class ServeBenchReport
{
    private const string NoCounterpart = "no PyTorch counterpart: PyTorch has no HTTP server; these numbers are our baseline";

    public static void Print(ServeBenchResult r)
    {
        var table = new Table().Title($"fpo serve, tiny GPT-2: {r.Requests} concurrent chat requests x {r.NewTokens} new tokens, {r.MaxBatch} slots, {r.Threads} threads");
        foreach (var h in new[] { "requests/s", "tokens/s", "p50 latency s", "p95 latency s", "wall s", "decode steps" }) table.AddColumn(h);
        table.AddRow($"{r.RequestsPerSecond:F1}", $"{r.TokensPerSecond:F0}", $"{r.P50Seconds:F3}", $"{r.P95Seconds:F3}", $"{r.WallSeconds:F3}", $"{r.DecodeSteps}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{NoCounterpart}[/]");
    }

    public static string Json(ServeBenchResult r) => new JsonObject
    {
        ["requests"] = r.Requests, ["new_tokens"] = r.NewTokens, ["max_batch"] = r.MaxBatch, ["threads"] = r.Threads,
        ["requests_per_s"] = r.RequestsPerSecond, ["tokens_per_s"] = r.TokensPerSecond, ["p50_latency_s"] = r.P50Seconds,
        ["p95_latency_s"] = r.P95Seconds, ["wall_s"] = r.WallSeconds, ["completion_tokens"] = r.CompletionTokens,
        ["decode_steps"] = r.DecodeSteps, ["pytorch"] = NoCounterpart,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
