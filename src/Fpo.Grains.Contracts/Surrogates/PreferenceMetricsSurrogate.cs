using Orleans;
using Fpo.Alignment.Training;

namespace Fpo.Grains.Contracts.Surrogates;

/// <summary>The wire form of <see cref="PreferenceMetrics"/>, the metrics of one preference-training step.</summary>
[GenerateSerializer, Alias("fpo.PreferenceMetrics")]
public struct PreferenceMetricsSurrogate
{
    [Id(0)] public string Method;
    [Id(1)] public int Pairs;
    [Id(2)] public float Loss;
    [Id(3)] public float ChosenReward;
    [Id(4)] public float RejectedReward;
    [Id(5)] public float Margin;
    [Id(6)] public float Accuracy;
    [Id(7)] public float? FeatureDivergenceChosen;
    [Id(8)] public float? FeatureDivergenceRejected;
    [Id(9)] public float? SequenceKlChosen;
    [Id(10)] public float? SequenceKlRejected;
}

[RegisterConverter]
public sealed class PreferenceMetricsConverter : IConverter<PreferenceMetrics, PreferenceMetricsSurrogate>
{
    public PreferenceMetrics ConvertFromSurrogate(in PreferenceMetricsSurrogate s) => new()
    {
        Method = s.Method, Pairs = s.Pairs, Loss = s.Loss, ChosenReward = s.ChosenReward, RejectedReward = s.RejectedReward,
        Margin = s.Margin, Accuracy = s.Accuracy, FeatureDivergenceChosen = s.FeatureDivergenceChosen,
        FeatureDivergenceRejected = s.FeatureDivergenceRejected, SequenceKlChosen = s.SequenceKlChosen, SequenceKlRejected = s.SequenceKlRejected,
    };

    public PreferenceMetricsSurrogate ConvertToSurrogate(in PreferenceMetrics value) => new()
    {
        Method = value.Method, Pairs = value.Pairs, Loss = value.Loss, ChosenReward = value.ChosenReward, RejectedReward = value.RejectedReward,
        Margin = value.Margin, Accuracy = value.Accuracy, FeatureDivergenceChosen = value.FeatureDivergenceChosen,
        FeatureDivergenceRejected = value.FeatureDivergenceRejected, SequenceKlChosen = value.SequenceKlChosen, SequenceKlRejected = value.SequenceKlRejected,
    };
}
