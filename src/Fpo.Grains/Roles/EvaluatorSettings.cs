using Fpo.Models.Sampling;

namespace Fpo.Grains.Roles;

/// <summary>
/// How the evaluator samples on the held-out prompts (one response per prompt from the snapshot and one from the
/// reference, both seeded per prompt so every snapshot is compared on the same random streams) and the k of the
/// feature drift D_fpo.
/// </summary>
public sealed record EvaluatorSettings
{
    public int MaxNewTokens { get; init; } = 80;
    public SamplingParams Sampling { get; init; } = new();
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    public ulong Seed { get; init; } = 12345;
    /// <summary>k of I_k in the drift D_fpo (FPO's default 50).</summary>
    public int DriftTopK { get; init; } = 50;
    /// <summary>Responses per forward when measuring KL and drift.</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Resamples of the prompts behind each win rate's 95% interval (0: no intervals).</summary>
    public int BootstrapResamples { get; init; } = Alignment.Evaluation.WinRateBootstrap.DefaultResamples;

    public EvaluatorSettings Validate(int vocabSize)
    {
        RolloutSettings.Check(MaxNewTokens >= 1, $"evaluator.max_new_tokens must be at least 1 (got {MaxNewTokens})");
        RolloutSettings.Check(DriftTopK >= 1, $"evaluator.drift_top_k must be at least 1 (got {DriftTopK})");
        RolloutSettings.Check(BatchSize >= 1, $"evaluator.batch_size must be at least 1 (got {BatchSize})");
        RolloutSettings.Check(BootstrapResamples >= 0, $"evaluator.bootstrap_resamples must be >= 0 (got {BootstrapResamples})");
        try
        {
            Sampling.Validate(vocabSize);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"evaluator sampling: {e.Message}", e);
        }
        return this;
    }
}
