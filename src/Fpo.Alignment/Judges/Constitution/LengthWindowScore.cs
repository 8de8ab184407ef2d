namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// 1 when the response has between <c>minWords</c> and <c>maxWords</c> words; below, words/min; above, max/words: in
/// [0, 1], falling off in proportion to how far outside the window the length is.
/// </summary>
public sealed class LengthWindowScore : IScoringFunction
{
    private readonly int _min, _max;

    public LengthWindowScore(int minWords, int maxWords)
    {
        if (minWords < 0 || maxWords < Math.Max(1, minWords)) throw new ArgumentException($"the length window [{minWords}, {maxWords}] needs 0 <= min <= max and max >= 1");
        (_min, _max) = (minWords, maxWords);
    }

    public double Score(string context, string response)
    {
        var n = Words.Of(response).Count;
        return n < _min ? (double)n / _min : n > _max ? (double)_max / n : 1;
    }
}
