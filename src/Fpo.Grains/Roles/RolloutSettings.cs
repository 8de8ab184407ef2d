using Fpo.Models.Sampling;

namespace Fpo.Grains.Roles;

/// <summary>How a rollout grain samples: prompts per batch, response length, sampling (temperature 1 by default: the policy's own distribution), and its feature statistics.</summary>
public sealed record RolloutSettings
{
    /// <summary>Prompts per rollout batch; each gives one pair.</summary>
    public int BatchPrompts { get; init; } = 8;
    public int MaxNewTokens { get; init; } = 80;
    public SamplingParams Sampling { get; init; } = new();
    /// <summary>Stop sampling at these texts (e.g. a blank line ends a story).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>Base seed; each prompt's samples are seeded from it and the prompt id, so a redelivered prompt gives the same pair.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Fold the SAE activations of the responses into the live feature statistics (costs one forward per batch).</summary>
    public bool FeatureStatistics { get; init; } = true;
    /// <summary>Top activating contexts kept per latent, and tokens kept either side of each.</summary>
    public int StatisticsTopN { get; init; } = 8;
    public int StatisticsContextRadius { get; init; } = 4;

    public RolloutSettings Validate(int vocabSize)
    {
        Check(BatchPrompts >= 1, $"rollout.batch_prompts must be at least 1 (got {BatchPrompts})");
        Check(MaxNewTokens >= 1, $"rollout.max_new_tokens must be at least 1 (got {MaxNewTokens})");
        Check(StatisticsTopN is >= 0 and <= Sae.Statistics.FeatureStatistics.MaxTopN, $"rollout.statistics_top_n must be in [0, {Sae.Statistics.FeatureStatistics.MaxTopN}] (got {StatisticsTopN})");
        Check(StatisticsContextRadius is >= 0 and <= Sae.Statistics.FeatureStatistics.MaxContextRadius, $"rollout.statistics_context_radius must be in [0, {Sae.Statistics.FeatureStatistics.MaxContextRadius}] (got {StatisticsContextRadius})");
        try
        {
            Sampling.Validate(vocabSize);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"rollout sampling: {e.Message}", e);
        }
        return this;
    }

    internal static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
