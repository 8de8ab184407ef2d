using Fpo.Models.Transformer;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>The model shapes whose snapshots the publish-latency part ships: the tiny task's policy and GPT-2 small (random init, about 500 MB in fp32).</summary>
public static class LatencyShapes
{
    public const string Tiny = "tiny", Gpt2Small = "gpt2-small";

    public static readonly IReadOnlyList<string> Names = [Tiny, Gpt2Small];

    public static ModelConfig Config(string name) => name switch
    {
        Tiny => ModelConfig.CreateGpt2(512, 128, layers: 2, channels: 64, heads: 2),
        Gpt2Small => ModelConfig.CreateGpt2(50257, 1024, layers: 12, channels: 768, heads: 12),
        _ => throw new ArgumentException($"unknown shape '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };
}
