namespace Fpo.Silo.Bench;

/// <summary>
/// A model and SAE shape for `bench losses`: B = 8 pairs of a 32-token prompt and a 64-token response each (2B = 16 rows
/// of T = 96), a GPT-2-family policy and a JumpReLU SAE of <see cref="SaeLatents"/> latents on its last block.
/// </summary>
public sealed record LossBenchShape(string Name, int Layers, int Channels, int Heads, int Vocab, int SaeLatents)
{
    public const int Pairs = 8, Prompt = 32, Response = 64;

    public static readonly LossBenchShape Tiny = new("tiny", 4, 256, 4, 4096, 4096);
    public static readonly LossBenchShape Gpt2Small = new("gpt2-small", 12, 768, 12, 50257, 24576);
    public static readonly IReadOnlyList<LossBenchShape> All = [Tiny, Gpt2Small];

    public IEnumerable<string> TorchArguments() =>
    [
        "--layers", $"{Layers}", "--channels", $"{Channels}", "--heads", $"{Heads}", "--vocab", $"{Vocab}", "--pairs", $"{Pairs}",
        "--prompt", $"{Prompt}", "--response", $"{Response}", "--d-sae", $"{SaeLatents}",
    ];
}
