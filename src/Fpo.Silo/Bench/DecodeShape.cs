namespace Fpo.Silo.Bench;

/// <summary>A GPT-2-family model shape the decode benchmark generates with, in both engines.</summary>
public sealed record DecodeShape(string Name, int Layers, int Channels, int Heads, int Vocab)
{
    public static readonly DecodeShape Gpt2Small = new("gpt2-small", 12, 768, 12, 50257);
    public static readonly DecodeShape Tiny = new("tiny", 4, 256, 4, 4096);
    /// <summary>Small enough for a test to run the whole benchmark in seconds.</summary>
    public static readonly DecodeShape Nano = new("nano", 2, 64, 2, 512);
    public static readonly IReadOnlyList<DecodeShape> All = [Gpt2Small, Tiny, Nano];
    public static readonly IReadOnlyList<DecodeShape> Default = [Gpt2Small, Tiny];

    public IEnumerable<string> TorchArguments() =>
        ["--layers", $"{Layers}", "--channels", $"{Channels}", "--heads", $"{Heads}", "--vocab", $"{Vocab}"];
}
