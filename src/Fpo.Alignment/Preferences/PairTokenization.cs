using Fpo.Models.Tokenization;

namespace Fpo.Alignment.Preferences;

/// <summary>Fills the token ids of text-only pairs.</summary>
public static class PairTokenization
{
    /// <summary>
    /// The pair with prompt, chosen and rejected encoded separately by <paramref name="tokenizer"/> (no special tokens
    /// added); pairs that already have tokens are returned unchanged.
    /// </summary>
    public static PreferencePair Tokenize(PreferencePair pair, BpeTokenizer tokenizer)
    {
        if (pair.HasTokens) return pair;
        return pair with
        {
            PromptTokens = tokenizer.Encode(pair.Prompt),
            ChosenTokens = tokenizer.Encode(pair.Chosen),
            RejectedTokens = tokenizer.Encode(pair.Rejected),
        };
    }

    public static List<PreferencePair> Tokenize(IEnumerable<PreferencePair> pairs, BpeTokenizer tokenizer) =>
        pairs.Select(p => Tokenize(p, tokenizer)).ToList();
}
