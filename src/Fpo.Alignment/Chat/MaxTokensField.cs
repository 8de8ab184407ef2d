namespace Fpo.Alignment.Chat;

/// <summary>
/// The request field that carries a completion's token limit. The OpenAI client writes <c>max_completion_tokens</c>;
/// older servers know only <c>max_tokens</c> (some refuse the new name as an unknown field, others ignore it and
/// generate until their own limit), and OpenAI's and Azure's APIs refuse a request that has both, so the limit is
/// sent under exactly one name.
/// </summary>
public enum MaxTokensField
{
    /// <summary>The legacy name every OpenAI-compatible server knows, and OpenAI's own API still accepts for all but
    /// its reasoning models.</summary>
    MaxTokens,

    /// <summary>The current name, as the OpenAI client sends it; needed by OpenAI's reasoning models.</summary>
    MaxCompletionTokens,
}
