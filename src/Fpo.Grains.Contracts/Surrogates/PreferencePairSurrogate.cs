using Orleans;
using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts.Surrogates;

/// <summary>The wire form of <see cref="PreferencePair"/> (a domain type that knows nothing of Orleans).</summary>
[GenerateSerializer, Alias("fpo.PreferencePair")]
public struct PreferencePairSurrogate
{
    [Id(0)] public string Id;
    [Id(1)] public string Prompt;
    [Id(2)] public string Chosen;
    [Id(3)] public string Rejected;
    [Id(4)] public int[]? PromptTokens;
    [Id(5)] public int[]? ChosenTokens;
    [Id(6)] public int[]? RejectedTokens;
    [Id(7)] public double Label;
    [Id(8)] public long? PolicyVersion;
    [Id(9)] public JudgeMetadata? Judge;
    [Id(10)] public ReferenceData? Reference;
}

[RegisterConverter]
public sealed class PreferencePairConverter : IConverter<PreferencePair, PreferencePairSurrogate>
{
    public PreferencePair ConvertFromSurrogate(in PreferencePairSurrogate s) => new()
    {
        Id = s.Id, Prompt = s.Prompt, Chosen = s.Chosen, Rejected = s.Rejected,
        PromptTokens = s.PromptTokens, ChosenTokens = s.ChosenTokens, RejectedTokens = s.RejectedTokens,
        Label = s.Label, PolicyVersion = s.PolicyVersion, Judge = s.Judge, Reference = s.Reference,
    };

    public PreferencePairSurrogate ConvertToSurrogate(in PreferencePair value) => new()
    {
        Id = value.Id, Prompt = value.Prompt, Chosen = value.Chosen, Rejected = value.Rejected,
        PromptTokens = value.PromptTokens, ChosenTokens = value.ChosenTokens, RejectedTokens = value.RejectedTokens,
        Label = value.Label, PolicyVersion = value.PolicyVersion, Judge = value.Judge, Reference = value.Reference,
    };
}
