using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench;

/// <summary>Prints the decode benchmark as a table or as JSON; ratios are ours over PyTorch's (fp32 eager).</summary>
public static class DecodeReport
{
    public static void Print(IReadOnlyList<DecodeResult> results)
    {
        if (results.Count == 0) return;
        var r0 = results[0];
        var table = new Table().Title(
            $"greedy decode with KV cache: {r0.NewTokens} new tokens after a {r0.PromptTokens}-token prompt, {r0.Threads} threads, tokens/s (median)");
        foreach (var h in new[] { "shape", "batch", "fpo fp32", "fpo bf16", "pytorch fp32", "fp32 ratio", "bf16 ratio",
                     "weights MB/step fp32|bf16", "bound tok/s fp32|bf16", "of bound fp32|bf16" })
            table.AddColumn(h);
        foreach (var r in results)
            table.AddRow(r.Shape, $"{r.Batch}", $"{r.Fp32.MedianTokensPerSecond:F1}", $"{r.Bf16.MedianTokensPerSecond:F1}",
                $"{r.Torch.MedianTokensPerSecond:F1}", $"{r.Fp32Ratio:F2}x", $"{r.Bf16Ratio:F2}x",
                $"{r.WeightBytesFp32 / 1e6:F1} | {r.WeightBytesBf16 / 1e6:F1}",
                $"{r.Fp32BoundTokensPerSecond:F1} | {r.Bf16BoundTokensPerSecond:F1}",
                $"{r.Fp32BoundFraction:P0} | {r.Bf16BoundFraction:P0}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"copy bandwidth {r0.CopyBytesPerSecond / 1e9:F2} GB/s (bytes copied per second, 256 MB, {r0.Threads} threads); " +
            "the bound is batch × bandwidth ÷ weight bytes per step");
    }

    public static string Json(IReadOnlyList<DecodeResult> results)
    {
        var root = new JsonObject
        {
            ["copy_bytes_per_s"] = results.Count > 0 ? results[0].CopyBytesPerSecond : 0,
            ["decode"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
            {
                ["shape"] = r.Shape, ["batch"] = r.Batch, ["threads"] = r.Threads, ["prompt_tokens"] = r.PromptTokens,
                ["new_tokens"] = r.NewTokens,
                ["fpo_fp32_tokens_per_s"] = r.Fp32.MedianTokensPerSecond, ["fpo_fp32_tokens_per_s_best"] = r.Fp32.BestTokensPerSecond,
                ["fpo_bf16_tokens_per_s"] = r.Bf16.MedianTokensPerSecond, ["fpo_bf16_tokens_per_s_best"] = r.Bf16.BestTokensPerSecond,
                ["pytorch_tokens_per_s"] = r.Torch.MedianTokensPerSecond, ["pytorch_tokens_per_s_best"] = r.Torch.BestTokensPerSecond,
                ["fp32_ratio"] = r.Fp32Ratio, ["bf16_ratio"] = r.Bf16Ratio,
                ["weight_bytes_per_step_fp32"] = r.WeightBytesFp32, ["weight_bytes_per_step_bf16"] = r.WeightBytesBf16,
                ["bound_tokens_per_s_fp32"] = r.Fp32BoundTokensPerSecond, ["bound_tokens_per_s_bf16"] = r.Bf16BoundTokensPerSecond,
                ["bound_fraction_fp32"] = r.Fp32BoundFraction, ["bound_fraction_bf16"] = r.Bf16BoundFraction,
            })]),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
