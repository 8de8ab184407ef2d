using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench;

/// <summary>Prints the SAE benchmark as a table or as JSON; ratios are ours over PyTorch's tokens/s.</summary>
public static class SaeBenchReport
{
    public static void Print(SaeBenchResult r)
    {
        var table = new Table().Title($"TopK SAE d_in {r.DIn}, d_sae {r.DSae}, k {r.K}, batch {r.Batch}, {r.Threads} threads");
        foreach (var h in new[] { "work", "fpo tokens/s", "pytorch tokens/s", "ratio", "fpo s", "pytorch s" }) table.AddColumn(h);
        table.AddRow("training step (fwd + bwd + Adam)", $"{r.FpoStepTokensPerSecond:F0}", $"{r.TorchStepTokensPerSecond:F0}",
            $"{r.StepRatio:F2}x", $"{r.FpoStepSeconds:F3}", $"{r.TorchStepSeconds:F3}");
        table.AddRow("encode", $"{r.FpoEncodeTokensPerSecond:F0}", $"{r.TorchEncodeTokensPerSecond:F0}",
            $"{r.EncodeRatio:F2}x", $"{r.FpoEncodeSeconds:F3}", $"{r.TorchEncodeSeconds:F3}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"loss after the timed steps: fpo {r.FpoLoss:F4}, pytorch {r.TorchLoss:F4}");
    }

    public static string Json(SaeBenchResult r) => new JsonObject
    {
        ["d_in"] = r.DIn, ["d_sae"] = r.DSae, ["k"] = r.K, ["batch"] = r.Batch, ["threads"] = r.Threads,
        ["fpo_step_tokens_per_s"] = r.FpoStepTokensPerSecond, ["pytorch_step_tokens_per_s"] = r.TorchStepTokensPerSecond,
        ["step_ratio"] = r.StepRatio, ["fpo_step_s"] = r.FpoStepSeconds, ["pytorch_step_s"] = r.TorchStepSeconds,
        ["fpo_encode_tokens_per_s"] = r.FpoEncodeTokensPerSecond, ["pytorch_encode_tokens_per_s"] = r.TorchEncodeTokensPerSecond,
        ["encode_ratio"] = r.EncodeRatio, ["fpo_encode_s"] = r.FpoEncodeSeconds, ["pytorch_encode_s"] = r.TorchEncodeSeconds,
        ["fpo_loss"] = r.FpoLoss, ["pytorch_loss"] = r.TorchLoss,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
