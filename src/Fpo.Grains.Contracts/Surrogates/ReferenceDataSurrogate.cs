using Orleans;
using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts.Surrogates;

/// <summary>The wire form of <see cref="ReferenceData"/>: the reference's log-probs and pooled SAE features of a pair.</summary>
[GenerateSerializer, Alias("fpo.ReferenceData")]
public struct ReferenceDataSurrogate
{
    [Id(0)] public double ChosenLogProbSum;
    [Id(1)] public double RejectedLogProbSum;
    [Id(2)] public double ChosenLogProbMean;
    [Id(3)] public double RejectedLogProbMean;
    [Id(4)] public SparseFeatures? ChosenFeatures;
    [Id(5)] public SparseFeatures? RejectedFeatures;
    [Id(6)] public int? SaeLayer;
    [Id(7)] public string? SaeId;
}

[RegisterConverter]
public sealed class ReferenceDataConverter : IConverter<ReferenceData, ReferenceDataSurrogate>
{
    public ReferenceData ConvertFromSurrogate(in ReferenceDataSurrogate s) => new()
    {
        ChosenLogProbSum = s.ChosenLogProbSum, RejectedLogProbSum = s.RejectedLogProbSum,
        ChosenLogProbMean = s.ChosenLogProbMean, RejectedLogProbMean = s.RejectedLogProbMean,
        ChosenFeatures = s.ChosenFeatures, RejectedFeatures = s.RejectedFeatures, SaeLayer = s.SaeLayer, SaeId = s.SaeId,
    };

    public ReferenceDataSurrogate ConvertToSurrogate(in ReferenceData value) => new()
    {
        ChosenLogProbSum = value.ChosenLogProbSum, RejectedLogProbSum = value.RejectedLogProbSum,
        ChosenLogProbMean = value.ChosenLogProbMean, RejectedLogProbMean = value.RejectedLogProbMean,
        ChosenFeatures = value.ChosenFeatures, RejectedFeatures = value.RejectedFeatures, SaeLayer = value.SaeLayer, SaeId = value.SaeId,
    };
}
