namespace Fpo.Alignment.Judges.Constitution;

/// <summary>1 when the response ends with a sentence's final punctuation (. ! ? or …, optionally followed by a closing
/// quote or bracket), else 0: a response cut off mid-sentence, as at max_tokens, scores 0.</summary>
public sealed class CompleteSentenceScore : IScoringFunction
{
    public double Score(string context, string response)
    {
        var text = response.TrimEnd().TrimEnd('"', '\'', ')', ']', '”', '’');
        return text.Length > 0 && text[^1] is '.' or '!' or '?' or '…' ? 1 : 0;
    }
}
