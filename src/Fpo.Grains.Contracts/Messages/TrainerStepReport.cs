using Orleans;
using Fpo.Alignment.Training;

namespace Fpo.Grains.Contracts;

/// <summary>
/// One optimizer step of the trainer grain: its metrics, the learning rate and gradient norm, how old the trained
/// preferences' policies were, and the snapshot it published after the step (null when it did not publish).
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.TrainerStepReport")]
public sealed record TrainerStepReport(
    [property: Id(0)] long Step,
    [property: Id(1)] PreferenceMetrics Metrics,
    [property: Id(2)] float LearningRate,
    [property: Id(3)] float GradientNorm,
    [property: Id(4)] double MeanPolicyLag,
    [property: Id(5)] double StepSeconds,
    [property: Id(6)] long? PublishedVersion)
{
    /// <summary>β and α the step trained with (the KL controller's when it runs; α null for methods without one).</summary>
    [Id(7)] public double Beta { get; init; } = double.NaN;
    [Id(8)] public double? Alpha { get; init; }
}
