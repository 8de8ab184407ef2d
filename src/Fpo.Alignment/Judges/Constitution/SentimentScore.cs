namespace Fpo.Alignment.Judges.Constitution;

/// <summary>(positive − negative lexicon words) / (lexicon words found), in [−1, 1]; 0 when none is found. A word right
/// after a negator counts with the opposite sign.</summary>
public sealed class SentimentScore(SentimentLexicon lexicon) : IScoringFunction
{
    public double Score(string context, string response)
    {
        var words = Words.Lower(response);
        int sum = 0, found = 0;
        for (var i = 0; i < words.Count; i++)
        {
            var sign = lexicon.Positive.Contains(words[i]) ? 1 : lexicon.Negative.Contains(words[i]) ? -1 : 0;
            if (sign == 0) continue;
            found++;
            sum += i > 0 && lexicon.Negators.Contains(words[i - 1]) ? -sign : sign;
        }
        return found == 0 ? 0 : (double)sum / found;
    }
}
