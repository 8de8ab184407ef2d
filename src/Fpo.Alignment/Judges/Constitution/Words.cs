using System.Text.RegularExpressions;

namespace Fpo.Alignment.Judges.Constitution;

/// <summary>The word splitting the scoring functions share: runs of letters, digits and apostrophes.</summary>
internal static partial class Words
{
    public static List<string> Of(string text) => WordPattern().Matches(text).Select(m => m.Value).ToList();

    public static List<string> Lower(string text) => Of(text).Select(w => w.ToLowerInvariant()).ToList();

    [GeneratedRegex(@"[\p{L}\p{N}']+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
