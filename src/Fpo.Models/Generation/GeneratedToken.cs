namespace Fpo.Models.Generation;

/// <summary>
/// One token as it is drawn, for streaming (<see cref="GenerationEngine.TokenGenerated"/>). <paramref name="TextDelta"/>
/// is the text that became final with this token: text that could still turn out to start a stop string is held back
/// until it cannot, and the last token of a sample releases the rest, so the deltas of a sample concatenate to its
/// final <see cref="GeneratedSample.Text"/> (null without a tokenizer). <paramref name="TopLogProbs"/> is set when the
/// request asked for them. <paramref name="Finish"/> is set on a sample's last token.
/// </summary>
public sealed record GeneratedToken(
    string RequestId,
    int SampleIndex,
    int Token,
    string? TextDelta,
    float ModelLogProb,
    IReadOnlyList<TokenLogProb>? TopLogProbs,
    FinishReason? Finish);
