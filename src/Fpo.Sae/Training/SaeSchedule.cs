namespace Fpo.Sae.Training;

/// <summary>
/// Per-step multipliers of a run of <see cref="TotalSteps"/>: the learning rate warms up linearly, stays flat, and falls
/// linearly over the last <see cref="SaeTrainingSettings.DecayFraction"/> of the steps; the sparsity coefficient ramps
/// from 0 over the first <see cref="SaeTrainingSettings.SparsityWarmupFraction"/>.
/// </summary>
public sealed class SaeSchedule(SaeTrainingSettings settings, int totalSteps)
{
    public int TotalSteps { get; } = totalSteps;
    public int WarmupSteps { get; } = settings.WarmupFor(totalSteps);
    public int DecayStart { get; } = totalSteps - (int)Math.Round(settings.DecayFraction * totalSteps);
    public int SparsityWarmupSteps { get; } = (int)Math.Ceiling(settings.SparsityWarmupFraction * totalSteps);

    /// <summary>The learning rate of 0-based <paramref name="step"/>; the last step still moves (rate lr/decay steps).</summary>
    public float LearningRate(int step)
    {
        var lr = settings.LearningRate;
        var factor = 1.0;
        if (step < WarmupSteps) factor = (step + 1.0) / WarmupSteps;
        if (step >= DecayStart) factor = Math.Min(factor, (double)(TotalSteps - step) / (TotalSteps - DecayStart));
        return (float)(lr * Math.Max(0, factor));
    }

    /// <summary>The fraction of the sparsity coefficient applied at 0-based <paramref name="step"/>.</summary>
    public float SparsityScale(int step) => step >= SparsityWarmupSteps ? 1f : (float)((step + 1.0) / SparsityWarmupSteps);
}
