namespace Fpo.Models.Optimization;

/// <summary>
/// Linear warmup over <see cref="WarmupSteps"/> to <see cref="MaxLearningRate"/>, then either constant or a cosine
/// decay to <see cref="MinLearningRate"/> at <see cref="TotalSteps"/> (and constant MinLearningRate after it).
/// </summary>
public sealed record LearningRateSchedule(float MaxLearningRate, int WarmupSteps, int TotalSteps, float MinLearningRate, bool Cosine)
{
    public static LearningRateSchedule Constant(float learningRate, int warmupSteps = 0) =>
        new(learningRate, warmupSteps, int.MaxValue, learningRate, false);

    public static LearningRateSchedule WarmupCosine(float maxLearningRate, int warmupSteps, int totalSteps, float minLearningRate) =>
        new(maxLearningRate, warmupSteps, totalSteps, minLearningRate, true);

    /// <summary>The learning rate of step <paramref name="step"/> (0-based).</summary>
    public float At(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be >= 0");
        if (step < WarmupSteps) return MaxLearningRate * (step + 1) / WarmupSteps;
        if (!Cosine) return MaxLearningRate;
        if (step >= TotalSteps) return MinLearningRate;
        var progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return (float)(MinLearningRate + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (MaxLearningRate - MinLearningRate));
    }
}
