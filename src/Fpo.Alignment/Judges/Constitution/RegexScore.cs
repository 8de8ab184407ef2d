using System.Text.RegularExpressions;

namespace Fpo.Alignment.Judges.Constitution;

/// <summary>(rewarded patterns that match − penalised patterns that match) / (number of patterns), in [−1, 1].</summary>
public sealed class RegexScore(IReadOnlyList<Regex> reward, IReadOnlyList<Regex> penalise) : IScoringFunction
{
    public double Score(string context, string response) =>
        (reward.Count(r => r.IsMatch(response)) - penalise.Count(p => p.IsMatch(response))) / (double)Math.Max(1, reward.Count + penalise.Count);
}
