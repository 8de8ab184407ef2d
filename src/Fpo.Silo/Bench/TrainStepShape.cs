namespace Fpo.Silo.Bench;

/// <summary>A GPT-2-family training-step shape the engine benchmark runs in both engines.</summary>
public sealed record TrainStepShape(string Name, int Layers, int Channels, int Heads, int Vocab, int Batch, int Seq)
{
    public static readonly TrainStepShape Gpt2Small = new("gpt2-small", 12, 768, 12, 50257, 4, 64);
    public static readonly TrainStepShape Tiny = new("tiny", 4, 256, 4, 4096, 16, 128);
    public static readonly IReadOnlyList<TrainStepShape> All = [Gpt2Small, Tiny];

    public int TokensPerStep => Batch * Seq;

    public IEnumerable<string> TorchArguments() =>
    [
        "--layers", $"{Layers}", "--channels", $"{Channels}", "--heads", $"{Heads}", "--vocab", $"{Vocab}",
        "--batch", $"{Batch}", "--seq", $"{Seq}",
    ];
}
