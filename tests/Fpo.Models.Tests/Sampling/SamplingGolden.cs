using System.Text.Json;
using Fpo.Models.Sampling;
using Fpo.Testing;

namespace Fpo.Models.Tests.Sampling;

/// <summary>One case of tests/reference/sampling.py: logits, parameters and history, and PyTorch's answer.</summary>
public sealed record SamplingCase(string Name, float[] Logits, SamplingParams Parameters, int[] Prompt, int[] Generated,
    float[] Probabilities, float[] ModelLogProbs)
{
    public int V => Logits.Length;

    public TokenHistory History()
    {
        var history = new TokenHistory(Prompt);
        foreach (var token in Generated) history.Add(token);
        return history;
    }

    public override string ToString() => Name;
}

/// <summary>Reads sampling.safetensors, written by tests/reference/sampling.py.</summary>
public static class SamplingGolden
{
    public const string File = "sampling.safetensors";

    private static readonly Lazy<IReadOnlyList<SamplingCase>> LoadedCases = new(Load);

    public static IReadOnlyList<SamplingCase> Cases => LoadedCases.Value;

    public static SamplingCase Case(string name) =>
        Cases.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"{File} has no case '{name}'");

    private static List<SamplingCase> Load()
    {
        using var g = GoldenFile.Open(File);
        var names = JsonSerializer.Deserialize<string[]>(g.Metadata["cases"])!;
        return [.. names.Select(name =>
        {
            using var json = JsonDocument.Parse(g.Metadata[$"case.{name}"]);
            var p = json.RootElement;
            float Get(string key, float fallback) => p.TryGetProperty(key, out var v) ? v.GetSingle() : fallback;
            int[] Tokens(string key) => p.TryGetProperty(key, out var v) ? [.. v.EnumerateArray().Select(e => e.GetInt32())] : [];
            var parameters = new SamplingParams
            {
                Temperature = Get("temperature", 1f),
                TopK = (int)Get("top_k", 0),
                TopP = Get("top_p", 1f),
                MinP = Get("min_p", 0f),
                RepetitionPenalty = Get("repetition", 1f),
                PresencePenalty = Get("presence", 0f),
                FrequencyPenalty = Get("frequency", 0f),
                LogitBias = p.TryGetProperty("bias", out var bias)
                    ? bias.EnumerateObject().ToDictionary(e => int.Parse(e.Name), e => e.Value.GetSingle())
                    : null,
            };
            return new SamplingCase(name, g.ReadFloat32($"{name}.logits"), parameters, Tokens("prompt"), Tokens("generated"),
                g.ReadFloat32($"{name}.probs"), g.ReadFloat32($"{name}.model_logprobs"));
        })];
    }
}
