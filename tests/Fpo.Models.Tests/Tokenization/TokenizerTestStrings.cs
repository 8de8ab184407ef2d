using System.Text;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Strings that exercise every branch of the split patterns and of byte-level BPE.</summary>
internal static class TokenizerTestStrings
{
    /// <summary>
    /// Strings where the JavaScript references are wrong, with the reason. Their split patterns are JavaScript
    /// regexes, and ECMAScript's \s is not Unicode White_Space: it leaves out U+0085 (NEL) and adds U+FEFF.
    /// GPT-2's encoder.py uses Python's regex
    /// module, where \s is White_Space (U+0085 included, U+FEFF not; Python's re agrees:
    /// `re.match(r"\s", "\x85")` matches, `re.match(r"\s", "\ufeff")` does not), and .NET's char.IsWhiteSpace is the
    /// same set. So for "a  \u0085b" GPT-2 splits "a", "  ", "\u0085", "b" (the white-space run keeps all but its last
    /// char before a non-space), while the JS encoders see U+0085 as a non-space and split "a", " ", " \u0085", "b".
    /// </summary>
    public static readonly Dictionary<string, string> JsRegexQuirks = new()
    {
        ["a  \u0085b"] = "ECMAScript \\s excludes U+0085",
    };

    public static readonly string[] Handpicked =
    [
        "", " ", "a", "Hello world", "Hello, world! How are you today?",
        "The quick brown fox jumps over the lazy dog.",
        "I'm sure you'll see they'd've known it's Bob's and we're fine, I've said.",
        "DON'T SHOUT, IT'S RUDE. 'S 'T 'RE", "''s '''t 'x 'twas rock'n'roll", "'", "'s", "a's", "'ll'll'd",
        "12345", "3.14159", "1,000,000", " 2024-11-22T19:52:37Z", "0x7FFF_FFFF", "v1.2.3-beta+42", "1e-10",
        "a  b", "a   b", "a    \n\n   b", "\t\tindented", "trailing   ", "   leading", "\r\n", "line1\nline2\n\nline4\n",
        "  \n", "\n\n\n", " \t \t ", "x \n y", "a\u00A0b", "wide\u3000space", "line\u2028separator", "\v\f",
        "naïve café résumé", "Ελληνικά γράμματα", "Русский текст с пробелами", "中文字符测试", "日本語のテキストです",
        "한국어 문장입니다", "العربية نص", "עברית טקסט", "हिन्दी भाषा", "ภาษาไทย", "Tiếng Việt có dấu",
        "e\u0301 combining acute", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "a\u0308\u0301\u0327", "\u0301 leading mark",
        "👍", "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🇺🇸🇫🇷 flags", "😀😃😄😁", "smile😀end", "😀 a", " 😀",
        "𝐀𝐁𝐂 bold math", "𠀀𠀁 CJK extension B", "𝟏𝟐𝟑 math digits", "𐍈 gothic", "∑∫√∞ ≠ ≤",
        "Pneumonoultramicroscopicsilicovolcanoconiosis", "supercalifragilisticexpialidocious",
        new string('a', 300), new string(' ', 50) + "x", "ab" + new string('!', 40), new string('9', 64),
        "https://example.com/path?query=1&b=two#frag", "user.name+tag@example.co.uk",
        "<|endoftext|>", "text<|endoftext|>more", "Ġ Ċ ĉ", "\u0100\u0120",
        "public static int Main(string[] args) { return args.Length > 0 ? 1 : 0; }",
        "def f(x):\n    return x ** 2  # square\n\n\nprint(f(3))\n",
        "{\"key\": [1, 2.5, null, true], \"nested\": {\"a\": \"b\"}}",
        "<html><body class=\"x\">Hi &amp; bye</body></html>", "SELECT * FROM t WHERE id = 42;",
        "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}", "#include <stdio.h>\r\nint main(){}\r\n",
        "$$\\frac{a}{b} = \\sqrt{x^2}$$", "~!@#$%^&*()_+`-=[]\\{}|;':\",./<>?",
        "CamelCaseIdentifierWithNumbers123AndMore", "snake_case_name_2", "kebab-case-name",
        "Mixed English and 中文 and русский and 😀 in one line.", "café\tnaïve\ncoöperate",
        "The year 1984 had 365 days; 2024 had 366.", "A\u200BB zero width", "soft\u00ADhyphen",
        "a\u0085b next line", "\uFEFFbom start", "x \uFEFF y", "a  \u0085b", "!\uFEFF?", "ﬁ ligature", "Ⅻ roman numeral", "½ ¾ fractions", "²³ superscripts", "①②③ circled",
    ];

    private static readonly string[] Fragments =
    [
        "the", " the", "The", " and", " of", "ing", " running", " jumped", "quick", " fox", "'s", "'t", "'re", "'ve",
        "'m", "'ll", "'d", "'S", " ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", " \n", "123", " 42", "3.14", "2024",
        "0", ",", ".", "!", "?", "...", "--", "()", "{}", "[]", "=>", "->", "::", "#", "@", "$", "%", "&&", "||",
        "é", "ü", "ß", "ñ", "中", "文", "日本", "語", "한", "Ω", "λ", "Ж", "я", "ا", "ש", "क", "ि", "\u0301",
        "😀", "👍🏽", "🎉", "❤️", "🇯🇵", "👨‍💻", "𝐀", "𠀀", "𝟏", "\u00A0", "\u3000", "x", "y", "z", "foo", "Bar",
        "camelCase", "snake_case", "URL", "http://", "www", ".com", "<", ">", "/", "\\", "\"", "'", "`",
    ];

    /// <summary>Single pieces longer than 64 bytes, which BPE merges with a heap instead of rescanning per pass.</summary>
    public static List<string> LongPieces(int seed)
    {
        var random = new Random(seed);
        string Letters(int n, string alphabet) => new([.. Enumerable.Range(0, n).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        return
        [
            Letters(200, "abcdefghijklmnopqrstuvwxyz"), " " + Letters(1500, "etaoinshrdlucmfwyp"), Letters(3000, "ab"),
            Letters(400, "0123456789"), Letters(300, "!?.,;:-_=+*/\\|"), Letters(120, "éèàùçñüößøåæ"),
            Letters(100, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"), Letters(90, "的一是不了人我在有他这为之大来以个中上们"),
            string.Concat(Enumerable.Repeat("thethe", 60)), new string('e', 129) + "rs",
        ];
    }

    /// <summary>Random concatenations of fragments: many more mixtures of scripts, spaces and punctuation.</summary>
    public static List<string> Generated(int count, int seed)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var sb = new StringBuilder();
            var n = random.Next(1, 25);
            for (var j = 0; j < n; j++)
                sb.Append(Fragments[random.Next(Fragments.Length)]);
            texts.Add(sb.ToString());
        }
        return texts;
    }
}
