using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>One trainer step as the API shows it: loss, accuracy, margin, the divergences the method reports, and the snapshot it published.</summary>
public sealed record TrainerStepPoint(
    long Step,
    double Loss,
    double Accuracy,
    double Margin,
    double? FeatureDivergenceChosen,
    double? FeatureDivergenceRejected,
    double? SequenceKlChosen,
    double? SequenceKlRejected,
    int Pairs,
    double LearningRate,
    double GradientNorm,
    double PolicyLag,
    double StepSeconds,
    long? PublishedVersion,
    double? Beta,
    double? Alpha)
{
    public static TrainerStepPoint Of(TrainerStepReport s) => new(s.Step, s.Metrics.Loss, s.Metrics.Accuracy, s.Metrics.Margin,
        s.Metrics.FeatureDivergenceChosen, s.Metrics.FeatureDivergenceRejected, s.Metrics.SequenceKlChosen, s.Metrics.SequenceKlRejected,
        s.Metrics.Pairs, s.LearningRate, s.GradientNorm, s.MeanPolicyLag, s.StepSeconds, s.PublishedVersion,
        double.IsFinite(s.Beta) ? s.Beta : null, s.Alpha);
}
