using System.Text.RegularExpressions;

namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// −(the fraction of the response's names that the context never mentions), in [−1, 0]; 0 when the response names no
/// one. A name is a capitalised word of two or more letters that does not start a sentence (after . ! ? or :, at a line
/// start, or at an opening quote, where any word is capitalised), or a speaker's label at a line start ("Mia: ...").
/// Complements <see cref="EntityMentionScore"/>: that one rewards naming the context's characters, this one penalises
/// bringing in others.
/// </summary>
public sealed partial class StrangerScore : IScoringFunction
{
    public double Score(string context, string response)
    {
        var names = Names(response);
        if (names.Count == 0) return 0;
        var known = Words.Of(context).ToHashSet(StringComparer.Ordinal);
        return -(double)names.Count(n => !known.Contains(n)) / names.Count;
    }

    public static HashSet<string> Names(string text)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Speaker().Matches(text)) names.Add(m.Groups[1].Value);
        foreach (var line in text.Split('\n'))
        {
            var sentenceStart = true;
            foreach (var token in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                var quoted = token[0] is '"' or '“' or '\'' or '‘';
                var words = Words.Of(token);
                for (var i = 0; i < words.Count; i++)
                    if (!(sentenceStart || (quoted && i == 0)) && words[i].Length > 1 && char.IsUpper(words[i][0]) && char.IsLetter(words[i][0]))
                        names.Add(words[i]);
                var end = token.TrimEnd('"', '”', '\'', '’');
                if (end.Length > 0) sentenceStart = end[^1] is '.' or '!' or '?' or ':';
            }
        }
        return names;
    }

    [GeneratedRegex(@"^\s*(\p{Lu}[\p{L}']+):", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Speaker();
}
