using Orleans;
using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Two responses the policy of <see cref="PolicyVersion"/> sampled for one prompt, not yet judged, with their exact token
/// ids (prompt and responses tokenised apart, as <see cref="PreferencePair"/> wants them). <see cref="Reference"/> is
/// null until the reference grain attaches it; its Chosen* fields describe response A and its Rejected* fields
/// response B until the judge orients the pair.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.RolloutPair")]
public sealed record RolloutPair
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Prompt { get; init; }
    [Id(2)] public required int[] PromptTokens { get; init; }
    [Id(3)] public required string ResponseA { get; init; }
    [Id(4)] public required int[] ResponseATokens { get; init; }
    [Id(5)] public required string ResponseB { get; init; }
    [Id(6)] public required int[] ResponseBTokens { get; init; }
    [Id(7)] public required long PolicyVersion { get; init; }
    [Id(8)] public ReferenceData? Reference { get; init; }

    /// <summary>The pair as a preference with A as chosen and B as rejected, label 1: the row layout batching and the reference computation expect.</summary>
    public PreferencePair AsPreference() => new()
    {
        Id = Id,
        Prompt = Prompt,
        Chosen = ResponseA,
        Rejected = ResponseB,
        PromptTokens = PromptTokens,
        ChosenTokens = ResponseATokens,
        RejectedTokens = ResponseBTokens,
        PolicyVersion = PolicyVersion,
        Reference = Reference,
    };

    /// <summary>The inverse of <see cref="AsPreference"/>; the pair must carry tokens and a policy version.</summary>
    public static RolloutPair FromPreference(PreferencePair pair, string source) => new()
    {
        Id = pair.Id,
        Prompt = pair.Prompt,
        PromptTokens = pair.PromptTokens ?? throw new FormatException($"{source}: rollout pair '{pair.Id}' has no prompt_tokens"),
        ResponseA = pair.Chosen,
        ResponseATokens = pair.ChosenTokens ?? throw new FormatException($"{source}: rollout pair '{pair.Id}' has no chosen_tokens (response A)"),
        ResponseB = pair.Rejected,
        ResponseBTokens = pair.RejectedTokens ?? throw new FormatException($"{source}: rollout pair '{pair.Id}' has no rejected_tokens (response B)"),
        PolicyVersion = pair.PolicyVersion ?? throw new FormatException($"{source}: rollout pair '{pair.Id}' has no policy_version"),
        Reference = pair.Reference,
    };
}
