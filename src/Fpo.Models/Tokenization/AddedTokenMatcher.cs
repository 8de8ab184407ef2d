using System.Buffers;

namespace Fpo.Models.Tokenization;

/// <summary>Finds the leftmost added token in a text, the longest one when several start at the same place.</summary>
internal sealed class AddedTokenMatcher
{
    private readonly SearchValues<char> firstChars;
    private readonly Dictionary<char, AddedToken[]> byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        byFirstChar = tokens.GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        firstChars = SearchValues.Create(byFirstChar.Keys.ToArray());
    }

    /// <summary>The start of the next allowed added token at or after <paramref name="from"/> and the token;
    /// (text.Length, null) when there is none.</summary>
    public (int At, AddedToken? Token) Find(ReadOnlySpan<char> text, int from, bool allowSpecial)
    {
        while (from < text.Length)
        {
            var offset = text[from..].IndexOfAny(firstChars);
            if (offset < 0)
                break;
            var at = from + offset;
            foreach (var token in byFirstChar[text[at]])
                if ((allowSpecial || !token.Special) && text[at..].StartsWith(token.Content, StringComparison.Ordinal))
                    return (at, token);
            from = at + 1;
        }
        return (text.Length, null);
    }
}
