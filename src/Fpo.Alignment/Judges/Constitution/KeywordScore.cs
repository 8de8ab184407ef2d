using System.Text.RegularExpressions;

namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// (rewarded phrases present − penalised phrases present) / (number of phrases listed), in [−1, 1]. A phrase is present
/// when it occurs as whole words, case-insensitively; each phrase counts once however often it occurs.
/// </summary>
public sealed class KeywordScore(IReadOnlyList<string> reward, IReadOnlyList<string> penalise) : IScoringFunction
{
    private readonly Regex[] _reward = reward.Select(Phrase).ToArray();
    private readonly Regex[] _penalise = penalise.Select(Phrase).ToArray();

    public double Score(string context, string response) =>
        (_reward.Count(r => r.IsMatch(response)) - _penalise.Count(p => p.IsMatch(response))) / (double)Math.Max(1, _reward.Length + _penalise.Length);

    private static Regex Phrase(string phrase) =>
        new($@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(phrase.Trim())}(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
