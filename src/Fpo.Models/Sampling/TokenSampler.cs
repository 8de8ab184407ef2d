namespace Fpo.Models.Sampling;

/// <summary>
/// Draws the next token of one sequence from its logits. Owns scratch buffers of size V, so keep one per thread.
/// Every call takes exactly one number from the sequence's random stream (greedy picks too), so streams stay aligned
/// whatever the parameters.
/// </summary>
public sealed class TokenSampler
{
    public TokenSampler(int vocabSize) => throw new NotImplementedException();

    public int VocabSize => throw new NotImplementedException();

    /// <summary>
    /// logits (V) raw next-token logits (not modified). Throws ArgumentException naming the first NaN token, or when
    /// every token is masked (-inf).
    /// </summary>
    public SampledToken Sample(ReadOnlySpan<float> logits, SamplingParams parameters, TokenHistory history, SequenceRandom random) =>
        throw new NotImplementedException();
}
