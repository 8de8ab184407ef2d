using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Two responses the policy of <see cref="PolicyVersion"/> sampled for one prompt, not yet judged, with their exact token
/// ids (prompt and responses tokenised apart, as <see cref="PreferencePair"/> wants them). <see cref="Reference"/> is
/// null until the reference grain attaches it; its Chosen* fields describe response A and its Rejected* fields
/// response B until the judge orients the pair.
/// </summary>
public sealed record RolloutPair
{
    public required string Id { get; init; }
    public required string Prompt { get; init; }
    public required int[] PromptTokens { get; init; }
    public required string ResponseA { get; init; }
    public required int[] ResponseATokens { get; init; }
    public required string ResponseB { get; init; }
    public required int[] ResponseBTokens { get; init; }
    public required long PolicyVersion { get; init; }
    public ReferenceData? Reference { get; init; }

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
