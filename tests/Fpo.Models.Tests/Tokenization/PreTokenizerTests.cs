using System.Text.RegularExpressions;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>
/// The hand-written splitters must cut exactly where their regex does. On BMP text .NET's Regex has the same
/// semantics as the Rust/Python engines (its \s is White_Space), so it is the oracle there; beyond the BMP .NET
/// matches UTF-16 units, not code points, so those cases are checked by hand.
/// </summary>
public class PreTokenizerTests
{
    public static TheoryData<string> Patterns => [Gpt2PatternName, "llama3", "qwen2"];

    private const string Gpt2PatternName = "gpt2";

    internal static PreTokenizer Named(string name) => name switch
    {
        Gpt2PatternName => PreTokenizer.Gpt2,
        "llama3" => PreTokenizer.Llama3,
        _ => PreTokenizer.Qwen2,
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void SplitsLikeTheRegexOnBmpText(string name)
    {
        var pre = Named(name);
        var regex = new Regex(pre.Pattern!, RegexOptions.CultureInvariant);
        var random = new Random(11);
        var texts = TokenizerTestStrings.Handpicked.Where(t => !t.Any(char.IsSurrogate))
            .Concat(Enumerable.Range(0, 3000).Select(_ => RandomText.Next(random, 40, bmpOnly: true)));
        foreach (var text in texts)
        {
            var expected = regex.Matches(text).Select(m => text.Substring(m.Index, m.Length)).ToArray();
            var actual = pre.Split(text).Select(p => text.Substring(p.Start, p.Length)).ToArray();
            Assert.True(expected.SequenceEqual(actual),
                $"{name} on \"{Escape(text)}\":\n  regex: {Show(expected)}\n  ours:  {Show(actual)}");
        }
    }

    [Theory]
    [InlineData(Gpt2PatternName, "a 𝐀𝐁c 𝟏𝟐! 😀😀x", new[] { "a", " 𝐀𝐁c", " 𝟏𝟐", "!", " 😀😀", "x" })]
    [InlineData("llama3", "a𝐀 😀b 𝟏𝟐𝟑𝟒 I'LL", new[] { "a𝐀", " 😀", "b", " ", "𝟏𝟐𝟑", "𝟒", " I", "'LL" })]
    [InlineData("qwen2", "𠀀𠀁 12 \n\n x", new[] { "𠀀𠀁", " ", "1", "2", " \n\n", " x" })]
    public void SupplementaryCodePointsAreOneCharacter(string name, string text, string[] pieces)
    {
        var actual = Named(name).Split(text).Select(p => text.Substring(p.Start, p.Length)).ToArray();
        Assert.Equal(pieces, actual);
    }

    [Fact]
    public void KnownPatternsAreRecognizedAndOthersAreNot()
    {
        Assert.Same(PreTokenizer.Gpt2, PreTokenizer.ForPattern(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"));
        Assert.Same(PreTokenizer.Llama3, PreTokenizer.ForPattern(PreTokenizer.Llama3.Pattern!));
        Assert.Same(PreTokenizer.Qwen2, PreTokenizer.ForPattern(PreTokenizer.Qwen2.Pattern!));
        Assert.Null(PreTokenizer.ForPattern(@"\w+|[^\w\s]+"));
    }

    private static string Show(string[] pieces) => string.Join(" | ", pieces.Select(p => $"\"{Escape(p)}\""));

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 32 || c is >= '\u007F' and <= '\u00A0' || char.IsWhiteSpace(c) && c != ' ' ? $"\\u{(int)c:X4}" : c.ToString()));
}
