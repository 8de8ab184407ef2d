namespace Fpo.Models.Training;

/// <summary>What a pre-training run reports after each step (ValidationLoss only on evaluation steps).</summary>
public sealed record PretrainProgress(int Step, int TotalSteps, float Loss, float? ValidationLoss,
    float LearningRate, float GradientNorm, double TokensPerSecond, string? CheckpointPath);
