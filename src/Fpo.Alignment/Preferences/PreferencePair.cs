namespace Fpo.Alignment.Preferences;

/// <summary>
/// One preference: a prompt and two responses, the chosen one preferred with probability <see cref="Label"/> (1 for a
/// hard label). Token ids are null until tokenised (<see cref="PairTokenization"/>); prompt and responses are tokenised
/// separately so the response boundary is exact.
/// </summary>
public sealed record PreferencePair
{
    public required string Id { get; init; }
    public required string Prompt { get; init; }
    public required string Chosen { get; init; }
    public required string Rejected { get; init; }

    public int[]? PromptTokens { get; init; }
    public int[]? ChosenTokens { get; init; }
    public int[]? RejectedTokens { get; init; }

    /// <summary>P(chosen is better), in [0, 1].</summary>
    public double Label { get; init; } = 1.0;
    /// <summary>Version of the policy snapshot that generated the responses; null for external data.</summary>
    public long? PolicyVersion { get; init; }
    public JudgeMetadata? Judge { get; init; }
    public ReferenceData? Reference { get; init; }

    public bool HasTokens => PromptTokens is not null && ChosenTokens is not null && RejectedTokens is not null;

    /// <summary>Prompt plus the longer response: the positions the pair needs.</summary>
    public int Length => Tokens(PromptTokens, nameof(PromptTokens)).Length
        + Math.Max(Tokens(ChosenTokens, nameof(ChosenTokens)).Length, Tokens(RejectedTokens, nameof(RejectedTokens)).Length);

    internal int[] Tokens(int[]? tokens, string field) =>
        tokens ?? throw new InvalidOperationException($"pair '{Id}': {field} is not set; tokenise the pair first (PairTokenization.Tokenize)");
}
