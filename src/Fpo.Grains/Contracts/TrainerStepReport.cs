using Fpo.Alignment.Training;

namespace Fpo.Grains.Contracts;

/// <summary>
/// One optimizer step of the trainer grain: its metrics, the learning rate and gradient norm, how old the trained
/// preferences' policies were, and the snapshot it published after the step (null when it did not publish).
/// </summary>
public sealed record TrainerStepReport(
    long Step,
    PreferenceMetrics Metrics,
    float LearningRate,
    float GradientNorm,
    double MeanPolicyLag,
    double StepSeconds,
    long? PublishedVersion);
