using System.Text;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Decode(Encode(s)) == s for any valid string; DecodeBytes is exact for any bytes.</summary>
public class RoundTripTests
{
    [Fact]
    public void RandomUnicodeStringsRoundTripThroughGpt2()
    {
        var tokenizer = Gpt2ReferenceTests.Tokenizer;
        var random = new Random(1);
        for (var i = 0; i < 3000; i++)
        {
            var text = RandomText.Next(random, 60);
            var ids = tokenizer.Encode(text);
            Assert.True(text == tokenizer.Decode(ids), $"round trip failed for [{string.Join(",", text.Select(c => (int)c))}]");
            Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
        }
    }

    [Fact]
    public void HandpickedStringsRoundTripThroughATrainedTokenizer()
    {
        var tokenizer = TrainerTests.SmallTrained;
        foreach (var text in TokenizerTestStrings.Handpicked.Concat(TokenizerTestStrings.Generated(100, seed: 3)))
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void RandomBytesRoundTripThroughDecodeBytes()
    {
        var tokenizer = Gpt2ReferenceTests.Tokenizer;
        var byteIds = Enumerable.Range(0, 256).Select(b => tokenizer.TokenToId(ByteLevel.ByteToChar[b].ToString())!.Value).ToArray();
        var random = new Random(2);
        for (var i = 0; i < 1000; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            var ids = bytes.Select(b => byteIds[b]).ToArray();
            Assert.Equal(bytes, tokenizer.DecodeBytes(ids));
            // Text decoding must agree with a standard lossy UTF-8 decoder (maximal invalid subparts become U+FFFD).
            Assert.Equal(Encoding.UTF8.GetString(bytes), tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void ACharacterCutBetweenTokensDecodesAsReplacementCharacters()
    {
        var tokenizer = Gpt2ReferenceTests.Tokenizer;
        var ids = tokenizer.Encode("😀");
        Assert.True(ids.Length > 1, "GPT-2 spells 😀 with several byte tokens");
        Assert.Contains('\uFFFD', tokenizer.Decode(ids.AsSpan(0, 1)));
        Assert.Equal(Encoding.UTF8.GetBytes("😀"), tokenizer.DecodeBytes(ids));
        Assert.Equal("😀", tokenizer.Decode(ids));
    }

    [Fact]
    public void SpecialTokensCanBeSkippedAndOutOfRangeIdsAreRejected()
    {
        var tokenizer = Gpt2ReferenceTests.Tokenizer;
        var ids = tokenizer.Encode("a<|endoftext|>b");
        Assert.Equal("a<|endoftext|>b", tokenizer.Decode(ids));
        Assert.Equal("ab", tokenizer.Decode(ids, skipSpecial: true));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 50257]));
        Assert.Contains("50257", e.Message);
    }

    [Fact]
    public void EncodingIsThreadSafe()
    {
        var tokenizer = TrainerTests.SmallTrained;
        var texts = TokenizerTestStrings.Generated(400, seed: 9);
        var expected = texts.Select(t => tokenizer.Encode(t)).ToArray();
        Parallel.For(0, 4000, i => Assert.Equal(expected[i % texts.Count], tokenizer.Encode(texts[i % texts.Count])));
    }
}
