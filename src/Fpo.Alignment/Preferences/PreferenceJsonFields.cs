namespace Fpo.Alignment.Preferences;

/// <summary>The snake_case field names of a preference JSONL line.</summary>
internal static class PreferenceJsonFields
{
    public const string Id = "id", Prompt = "prompt", Chosen = "chosen", Rejected = "rejected";
    public const string PromptTokens = "prompt_tokens", ChosenTokens = "chosen_tokens", RejectedTokens = "rejected_tokens";
    public const string Label = "label", PolicyVersion = "policy_version", Judge = "judge", Reference = "reference";

    public const string JudgeName = "name", JudgeModel = "model";
    public const string ChosenFirst = "p_chosen_first", ChosenSecond = "p_chosen_second";

    public const string ChosenSum = "chosen_logp_sum", RejectedSum = "rejected_logp_sum";
    public const string ChosenMean = "chosen_logp_mean", RejectedMean = "rejected_logp_mean";
    public const string ChosenFeatures = "chosen_features", RejectedFeatures = "rejected_features";
    public const string SaeLayer = "sae_layer", SaeId = "sae_id";
    public const string Latents = "latents", Values = "values";

    public static readonly string[] Pair = [Id, Prompt, Chosen, Rejected, PromptTokens, ChosenTokens, RejectedTokens, Label, PolicyVersion, Judge, Reference];
    public static readonly string[] JudgeFields = [JudgeName, JudgeModel, ChosenFirst, ChosenSecond];
    public static readonly string[] ReferenceFields = [ChosenSum, RejectedSum, ChosenMean, RejectedMean, ChosenFeatures, RejectedFeatures, SaeLayer, SaeId];
    public static readonly string[] FeatureFields = [Latents, Values];
}
