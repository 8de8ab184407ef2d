namespace Fpo.Models.Sampling;

/// <summary>
/// How one request turns next-token logits into a token. The transforms run in this order (TokenSampler):
/// logit bias, repetition penalty, presence and frequency penalties, temperature, top-k, top-p, min-p.
/// <c>Temperature = 0</c> or <c>TopK = 1</c> is greedy. Defaults leave the model's distribution unchanged.
/// </summary>
public sealed record SamplingParams
{
    /// <summary>Divides the logits; 0 means greedy (argmax, lowest id on ties).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keeps the k most likely tokens (all tokens tied with the k-th are kept); 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Keeps the smallest set of most likely tokens whose probability reaches p (ties at the boundary kept); 1 disables.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drops tokens whose probability is below MinP times the most likely token's; 0 disables.</summary>
    public float MinP { get; init; }

    /// <summary>Biased decoding (Keskar et al. 2019): a token already in the prompt or the generated text has its logit
    /// divided by this when positive and multiplied when negative; 1 disables.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Subtracted once from the logit of every token generated so far (OpenAI semantics); 0 disables.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Subtracted from a token's logit once per time it was generated so far (OpenAI semantics); 0 disables.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Added to the logits of the given token ids before any other transform (OpenAI's logit_bias).</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>True when the draw is an argmax.</summary>
    public bool IsGreedy => Temperature == 0f || TopK == 1;

    /// <summary>Checks every field (ranges, finite values, bias ids below <paramref name="vocabSize"/>) and returns this.</summary>
    public SamplingParams Validate(int vocabSize) => SamplingValidation.Check(this, vocabSize);
}
