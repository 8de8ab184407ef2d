using System.Globalization;
using System.Text;

namespace Fpo.Models.Tokenization;

/// <summary>The three classes the split patterns test: \s (Unicode White_Space), \p{L}, \p{N}; everything else is Other.</summary>
internal enum CharKind : byte
{
    Other,
    WhiteSpace,
    Letter,
    Number,
}

/// <summary>
/// Classifies code points the way the Rust/Python regex engines behind the split patterns do: a surrogate pair is
/// one code point (.NET's Regex would see two Cs chars, which is why the pre-tokenizers are hand-written).
/// </summary>
internal static class CharClass
{
    private static readonly CharKind[] ascii = BuildAscii();

    /// <summary>The class of the code point at <paramref name="i"/> and how many chars it spans (1 or 2).</summary>
    public static CharKind At(ReadOnlySpan<char> text, int i, out int width)
    {
        var c = text[i];
        width = 1;
        if (c < 128)
            return ascii[c];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            width = 2;
            return Of(new Rune(c, text[i + 1]));
        }
        return char.IsSurrogate(c) ? CharKind.Other : Of(new Rune(c));
    }

    private static CharKind Of(Rune r)
    {
        if (Rune.IsWhiteSpace(r))
            return CharKind.WhiteSpace;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharKind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharKind.Number,
            _ => CharKind.Other,
        };
    }

    private static CharKind[] BuildAscii()
    {
        var kinds = new CharKind[128];
        for (var c = 0; c < 128; c++)
            kinds[c] = Of(new Rune(c));
        return kinds;
    }
}
