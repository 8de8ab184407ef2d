using System.Text;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Random valid UTF-16 strings drawn from the kinds of characters that stress a tokenizer.</summary>
internal static class RandomText
{
    private static readonly (int From, int To)[] Ranges =
    [
        (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E),   // ASCII, weighted up
        (0x00, 0x1F), (0x7F, 0xA0),                  // controls, NEL, NBSP
        (0xA1, 0x24F),                               // Latin-1 and Latin Extended
        (0x300, 0x36F),                              // combining marks
        (0x370, 0x52F),                              // Greek, Cyrillic
        (0x590, 0x6FF),                              // Hebrew, Arabic
        (0x900, 0x97F),                              // Devanagari
        (0x2000, 0x206F),                            // general punctuation and the odd spaces
        (0x3000, 0x30FF), (0x4E00, 0x4EFF),          // CJK punctuation, kana, ideographs
        (0xAC00, 0xACFF),                            // Hangul
        (0xFE00, 0xFFFD),                            // variation selectors, BOM, specials
        (0x1D400, 0x1D7FF),                          // mathematical letters and digits (non-BMP letters)
        (0x1F300, 0x1FAFF),                          // emoji
        (0x20000, 0x200FF),                          // CJK extension B
    ];

    private static readonly string[] Runs = ["  ", "   \n", "\n\n", "\t\t", "'s", "'ll", " 123", "\r\n", "    "];

    /// <summary>Up to <paramref name="maxRunes"/> code points; no lone surrogates, so the string is valid UTF-16.</summary>
    public static string Next(Random random, int maxRunes, bool bmpOnly = false)
    {
        var sb = new StringBuilder();
        var n = random.Next(maxRunes + 1);
        for (var i = 0; i < n; i++)
        {
            if (random.Next(8) == 0)
            {
                sb.Append(Runs[random.Next(Runs.Length)]);
                continue;
            }
            var (from, to) = Ranges[random.Next(Ranges.Length)];
            var cp = random.Next(from, to + 1);
            if (bmpOnly && cp > 0xFFFF || cp is >= 0xD800 and <= 0xDFFF)
                continue;
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }
}
