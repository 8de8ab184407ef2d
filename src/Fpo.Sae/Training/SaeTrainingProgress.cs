namespace Fpo.Sae.Training;

/// <summary>What an SAE training run reports after each step: enough for a bar with tokens/s, MSE, L0, dead % and an
/// ETA (remaining tokens / TokensPerSecond). TokensPerSecond is the average since the run (or resume) began,
/// harvesting and checkpoints included. <paramref name="CheckpointPath"/> is set on checkpoint steps.</summary>
public sealed record SaeTrainingProgress(int Step, int TotalSteps, long Tokens, long TotalTokens, double TokensPerSecond,
    SaeStepMetrics Metrics, string? CheckpointPath);
