namespace Fpo.Models.Sampling;

/// <summary>
/// The tokens one sequence has seen, for the penalties: which ids occur in the prompt or the generated text
/// (repetition penalty) and how often each id was generated (presence and frequency penalties).
/// </summary>
public sealed class TokenHistory
{
    public TokenHistory(ReadOnlySpan<int> prompt) => throw new NotImplementedException();

    /// <summary>Records one generated token.</summary>
    public void Add(int token) => throw new NotImplementedException();
}
