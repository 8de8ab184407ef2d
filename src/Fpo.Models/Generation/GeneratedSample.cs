namespace Fpo.Models.Generation;

/// <summary>
/// One sample of a request. <paramref name="Tokens"/> are the generated ids, up to and including the one that stopped
/// the sample; <paramref name="ModelLogProbs"/>[i] is log p(token i) under the raw model and
/// <paramref name="SamplingLogProbs"/>[i] under the distribution it was drawn from (after penalties, temperature and
/// truncation), so a trainer can use the first and importance correction the ratio. <paramref name="Text"/> is null
/// without a tokenizer; it leaves out special tokens and a stop token, and ends before a stop string.
/// <paramref name="StopTokenId"/> or <paramref name="StopString"/> says which stop fired, if any.
/// <paramref name="TopLogProbs"/>[i] lists the most likely tokens at token i's position under the raw model, when the
/// request asked for them (<see cref="GenerationRequest.TopLogProbs"/>); null otherwise.
/// </summary>
public sealed record GeneratedSample(
    int Index,
    IReadOnlyList<int> Tokens,
    string? Text,
    FinishReason FinishReason,
    IReadOnlyList<float> ModelLogProbs,
    IReadOnlyList<float> SamplingLogProbs,
    int? StopTokenId = null,
    string? StopString = null,
    IReadOnlyList<IReadOnlyList<TokenLogProb>>? TopLogProbs = null);
