namespace Fpo.Sae.Evaluation;

/// <summary>How <see cref="SaeEvaluator"/> cuts a token stream and classifies latents.</summary>
public sealed record SaeEvaluationSettings
{
    /// <summary>Tokens per window (T); each window is a fresh context, as in SAELens' context_size. At least 2, so a
    /// window has a next-token target.</summary>
    public int ContextSize { get; init; } = 128;

    /// <summary>Windows run through the model together (B of each forward).</summary>
    public int WindowsPerBatch { get; init; } = 4;

    /// <summary>Evaluate at most this many tokens of the stream (whole windows only).</summary>
    public long MaxTokens { get; init; } = long.MaxValue;

    /// <summary>A latent is dense when it fires on more than this fraction of the evaluated tokens.</summary>
    public double DenseThreshold { get; init; } = 0.1;

    /// <summary>Width in decades of a bin of the log10 feature-density histogram.</summary>
    public double HistogramBinWidth { get; init; } = 0.5;

    /// <summary>Checks every range and returns this; the message names the setting and the allowed range.</summary>
    public SaeEvaluationSettings Validate(int maxPositions)
    {
        if (ContextSize < 2 || ContextSize > maxPositions)
            throw new ArgumentException($"SAE evaluation: the context size must be in [2, {maxPositions}] (the model's positions; a window needs a next token), got {ContextSize}");
        if (WindowsPerBatch < 1) throw new ArgumentException($"SAE evaluation: windows per batch must be at least 1, got {WindowsPerBatch}");
        if (MaxTokens < ContextSize) throw new ArgumentException($"SAE evaluation: at most {MaxTokens} tokens do not make one window of {ContextSize}");
        if (!(DenseThreshold > 0 && DenseThreshold < 1)) throw new ArgumentException($"SAE evaluation: the dense threshold is a fraction of tokens in (0, 1), got {DenseThreshold}");
        if (!(HistogramBinWidth > 0 && HistogramBinWidth <= 10)) throw new ArgumentException($"SAE evaluation: the histogram bin width must be in (0, 10] decades, got {HistogramBinWidth}");
        return this;
    }
}
