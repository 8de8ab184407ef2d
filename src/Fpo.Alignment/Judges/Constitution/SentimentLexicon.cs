namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// A small lexicon of plainly positive and negative English words (our own list, for tone, not for deep sentiment
/// analysis) and the negators that flip the word after them ("not helpful" counts as negative).
/// </summary>
public sealed class SentimentLexicon(IEnumerable<string> positive, IEnumerable<string> negative)
{
    public static SentimentLexicon BuiltIn { get; } = new(
        ["good", "great", "excellent", "helpful", "happy", "glad", "kind", "thanks", "thank", "welcome", "love", "enjoy",
         "nice", "wonderful", "clear", "correct", "safe", "useful", "pleasure", "best", "better", "calm", "friendly",
         "gentle", "hope", "fine", "well", "right", "easy", "fair", "honest", "respect", "appreciate", "success", "win"],
        ["bad", "terrible", "awful", "horrible", "hate", "stupid", "idiot", "dumb", "ugly", "wrong", "useless", "angry",
         "sad", "annoying", "worst", "worse", "harm", "hurt", "kill", "die", "dangerous", "rude", "lazy", "boring",
         "fail", "failure", "nasty", "disgusting", "shut", "pathetic", "miserable", "awkward", "broken", "unfair", "lie"]);

    public IReadOnlySet<string> Positive { get; } = positive.Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    public IReadOnlySet<string> Negative { get; } = negative.Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    public IReadOnlySet<string> Negators { get; } = new HashSet<string>(["not", "no", "never", "don't", "doesn't", "isn't", "wasn't", "aren't", "can't", "won't"], StringComparer.Ordinal);
}
