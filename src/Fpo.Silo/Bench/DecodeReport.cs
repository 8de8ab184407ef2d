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
            $"greedy decode with KV cache: {r0.NewTokens} new tokens after a {r0.PromptTokens}-token prompt, {r0.Threads} threads; tokens/s, median");
        table.Border(TableBorder.Simple);
        foreach (var h in new[] { "shape", "batch", "fp32", "bf16", "torch", "fp32/t", "bf16/t", "bound fp32|bf16", "% of it" })
            table.AddColumn(new TableColumn(h).RightAligned());
        foreach (var r in results)
            table.AddRow(r.Shape, $"{r.Batch}", $"{r.Fp32.MedianTokensPerSecond:F0}", $"{r.Bf16.MedianTokensPerSecond:F0}",
                $"{r.Torch.MedianTokensPerSecond:F0}", $"{r.Fp32Ratio:F2}x", $"{r.Bf16Ratio:F2}x",
                // the bound is tight only at batch 1 (a larger batch is compute-bound long before it streams its weights)
                r.Batch == 1 ? $"{r.Fp32BoundTokensPerSecond:F0}|{r.Bf16BoundTokensPerSecond:F0}" : "-",
                r.Batch == 1 ? $"{r.Fp32BoundFraction * 100:F0}|{r.Bf16BoundFraction * 100:F0}" : "-");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"bound: batch × copy bandwidth {r0.CopyBytesPerSecond / 1e9:F2} GB/s (256 MB copy, {r0.Threads} threads) ÷ weight bytes per step " +
            $"({string.Join(", ", results.DistinctBy(r => r.Shape).Select(r => $"{r.Shape} {r.WeightBytesFp32 / 1e6:F1} MB fp32, {r.WeightBytesBf16 / 1e6:F1} MB bf16"))})");
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
