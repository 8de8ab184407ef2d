namespace Fpo.Alignment.Explanations;

/// <summary>How <see cref="FeatureContexts.Collect"/> cuts the stream and splits the contexts.</summary>
public sealed record FeatureContextSettings
{
    /// <summary>Tokens per window, each a fresh forward from position 0.</summary>
    public int ContextSize { get; init; } = 64;
    public int WindowsPerBatch { get; init; } = 8;
    /// <summary>Tokens kept on each side of a context's strongest token.</summary>
    public int Radius { get; init; } = 12;
    public int Explain { get; init; } = 10;
    public int HeldOutTop { get; init; } = 3;
    public int HeldOutRandom { get; init; } = 3;
    public int Seed { get; init; }
}
