namespace Fpo.Alignment.Training;

/// <summary>What a preference run reports after each step; HeldOut only on evaluation steps.</summary>
public sealed record PreferenceProgress(int Step, int TotalSteps, int Epoch, PreferenceMetrics Metrics, PreferenceMetrics? HeldOut,
    float LearningRate, float GradientNorm, double PairsPerSecond, string? CheckpointPath);
