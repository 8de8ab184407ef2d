using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench;

/// <summary>Prints the engine benchmark as tables or as JSON; ratios are ours over PyTorch's.</summary>
public static class EngineReport
{
    public static void Print(IReadOnlyList<TrainStepResult> trainSteps, IReadOnlyList<GemmBenchmarkResult> gemm)
    {
        var steps = new Table().Title("training step: forward + backward + clip + AdamW");
        foreach (var h in new[] { "shape", "threads", "tokens/step", "fpo tokens/s", "pytorch tokens/s", "ratio", "fpo loss", "pytorch loss" })
            steps.AddColumn(h);
        foreach (var r in trainSteps)
            steps.AddRow(r.Shape, $"{r.Threads}", $"{r.TokensPerStep}", $"{r.FpoTokensPerSecond:F1}", $"{r.TorchTokensPerSecond:F1}",
                $"{r.Ratio:F2}x", $"{r.FpoLoss:F4}", $"{r.TorchLoss:F4}");
        AnsiConsole.Write(steps);

        var matmul = new Table().Title("GEMM, square fp32");
        foreach (var h in new[] { "size", "backend", "threads", "GFLOP/s", "vs torch" })
            matmul.AddColumn(h);
        foreach (var r in gemm)
            matmul.AddRow($"{r.Size}^3", r.Backend, $"{r.Threads}", $"{r.Gflops:F1}", $"{r.Gflops / TorchGflops(gemm, r.Size):F2}x");
        AnsiConsole.Write(matmul);
    }

    public static string Json(IReadOnlyList<TrainStepResult> trainSteps, IReadOnlyList<GemmBenchmarkResult> gemm)
    {
        var root = new JsonObject
        {
            ["train_step"] = new JsonArray([.. trainSteps.Select(r => (JsonNode)new JsonObject
            {
                ["shape"] = r.Shape, ["threads"] = r.Threads, ["tokens_per_step"] = r.TokensPerStep,
                ["fpo_tokens_per_s"] = r.FpoTokensPerSecond, ["pytorch_tokens_per_s"] = r.TorchTokensPerSecond,
                ["ratio"] = r.Ratio, ["fpo_step_s"] = r.FpoStepSeconds, ["pytorch_step_s"] = r.TorchStepSeconds,
                ["fpo_loss"] = r.FpoLoss, ["pytorch_loss"] = r.TorchLoss,
            })]),
            ["gemm"] = new JsonArray([.. gemm.Select(r => (JsonNode)new JsonObject
            {
                ["size"] = r.Size, ["backend"] = r.Backend, ["threads"] = r.Threads, ["gflops"] = r.Gflops,
                ["ratio_vs_torch"] = r.Gflops / TorchGflops(gemm, r.Size),
            })]),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static double TorchGflops(IReadOnlyList<GemmBenchmarkResult> gemm, int size) =>
        gemm.FirstOrDefault(g => g.Size == size && g.Backend == "torch")?.Gflops ?? double.NaN;
}
