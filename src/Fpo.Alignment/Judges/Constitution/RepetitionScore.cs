namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// −(the fraction of the response's word n-grams that repeat an earlier one), in [−1, 0]: 0 for no repetition, near −1
/// for a response stuck in a loop. Case-insensitive; a response shorter than n words scores 0.
/// </summary>
public sealed class RepetitionScore : IScoringFunction
{
    private readonly int _n;

    public RepetitionScore(int n) => _n = n >= 1 ? n : throw new ArgumentOutOfRangeException(nameof(n), n, "repetition counts n-grams of n >= 1 words");

    public double Score(string context, string response)
    {
        var words = Words.Lower(response);
        var total = words.Count - _n + 1;
        if (total <= 0) return 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repeats = 0;
        for (var i = 0; i < total; i++)
            if (!seen.Add(string.Join(' ', words.GetRange(i, _n)))) repeats++;
        return -(double)repeats / total;
    }
}
