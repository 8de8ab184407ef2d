using System.Text.Json;
using Fpo.Sae;
using Fpo.Sae.Formats;

namespace Fpo.Silo.Tests;

/// <summary>
/// `fpo loop` on a tiny model, SAE, prompts and a judge a policy learns in a few steps (answers of at most one word),
/// a snapshot every step: the files under a folder and the loop's arguments for them (without --name and limits).
/// </summary>
internal static class TinyLoopRun
{
    public static string[] Args(string root)
    {
        var model = Path.Combine(root, "model");
        TinyModelFolder.Write(model);
        var sae = Path.Combine(root, "sae");
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 32, Latents = 64, Layer = 1 });
        var random = new Random(3);
        for (var i = 0; i < weights.EncoderWeight.Length; i++) weights.EncoderWeight[i] = (float)(random.NextDouble() - 0.5);
        SaeFolder.Save(sae, weights);
        var prompts = Write(root, "prompts.jsonl", string.Join("\n", Enumerable.Range(0, 16).Select(i => JsonSerializer.Serialize(new { prompt = $"the cat {i}" }))));
        var judge = Write(root, "judge.yaml", "kind: constitution\nname: short\ntemperature: 0.1\nprinciples:\n  - name: short\n    length: {min_words: 0, max_words: 1}\n");
        var config = Write(root, "tiny.yaml", "trainer:\n  learning_rate: 1e-3\n  snapshot_every: 1\n  batch_size: 4\n  batch_wait_seconds: 1\n" +
            "rollout:\n  batch_prompts: 4\n  max_new_tokens: 6\nevaluator:\n  max_new_tokens: 6\n");
        return ["loop", "--config", config, "--runs", Path.Combine(root, "runs"), "--model", model, "--sae", sae, "--train-prompts", prompts,
            "--held-out-prompts", prompts, "--judge", judge, "--port", "0"];
    }

    private static string Write(string root, string name, string text)
    {
        var path = Path.Combine(root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
