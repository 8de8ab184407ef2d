using Orleans;
using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts.Surrogates;

/// <summary>The wire form of <see cref="JudgeMetadata"/>: which judge labelled a pair and its probability in each order.</summary>
[GenerateSerializer, Alias("fpo.JudgeMetadata")]
public struct JudgeMetadataSurrogate
{
    [Id(0)] public string Name;
    [Id(1)] public string Model;
    [Id(2)] public double ChosenFirstProbability;
    [Id(3)] public double ChosenSecondProbability;
}

[RegisterConverter]
public sealed class JudgeMetadataConverter : IConverter<JudgeMetadata, JudgeMetadataSurrogate>
{
    public JudgeMetadata ConvertFromSurrogate(in JudgeMetadataSurrogate s) => new(s.Name, s.Model, s.ChosenFirstProbability, s.ChosenSecondProbability);

    public JudgeMetadataSurrogate ConvertToSurrogate(in JudgeMetadata value) => new()
    {
        Name = value.Name, Model = value.Model, ChosenFirstProbability = value.ChosenFirstProbability, ChosenSecondProbability = value.ChosenSecondProbability,
    };
}
