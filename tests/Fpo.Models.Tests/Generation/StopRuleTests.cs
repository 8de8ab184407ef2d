using System.Text;
using Fpo.Models.Generation;
using Fpo.Models.Sampling;
using static Fpo.Models.Tests.Generation.TinyGeneration;

namespace Fpo.Models.Tests.Generation;

/// <summary>The stop rule on whole runs: a stop string is found across token boundaries and cut from the text, a stop
/// token is kept in the tokens but not the text, EOS stops unless ignored, and split UTF-8 characters come out whole.
/// Each case reruns a first run's request (same seed) with a stop taken from that run's output.</summary>
public class StopRuleTests
{
    private readonly GenerationEngine _engine = new(Model(seed: 3), Tokenizer);

    private GeneratedSample Run(GenerationRequest request) => _engine.Run([request])[0].Samples[0];

    private static string Text(IReadOnlyList<int> tokens) => Tokenizer.Decode(tokens.ToArray(), skipSpecial: true);

    private static bool IsPrintableAscii(int token) =>
        Tokenizer.DecodeBytes([token], skipSpecial: true) is { Length: > 0 } bytes && bytes.All(b => b is >= 0x20 and < 0x7F);

    [Fact]
    public void AStopStringSpanningTwoTokensEndsTheSampleAndIsCutFromTheText()
    {
        var tested = 0;
        for (ulong seed = 1; seed <= 20 && tested < 3; seed++)
        {
            var request = Request("s", Prompt("the cat"), maxNewTokens: 40, seed: seed) with { IgnoreEos = true };
            var tokens = Run(request).Tokens.ToArray();
            for (var i = 1; i < tokens.Length; i++)
            {
                if (!IsPrintableAscii(tokens[i - 1]) || !IsPrintableAscii(tokens[i])) continue;
                var stop = Text(tokens[(i - 1)..(i + 1)]);
                var before = Text(tokens[..(i - 1)]);
                if (Text(tokens[..(i + 1)]).IndexOf(stop, StringComparison.Ordinal) != before.Length) continue;

                var stopped = Run(request with { StopStrings = ["never matches", stop] });

                Assert.Equal(FinishReason.Stop, stopped.FinishReason);
                Assert.Equal(stop, stopped.StopString);
                Assert.Null(stopped.StopTokenId);
                Assert.Equal(tokens[..(i + 1)], stopped.Tokens);
                Assert.Equal(before, stopped.Text);
                tested++;
                break;
            }
        }
        Assert.True(tested == 3, $"found only {tested} runs with two printable tokens in a row to build a stop string from");
    }

    [Fact]
    public void AStopTokenIsKeptInTheTokensButNotInTheText()
    {
        var request = Request("t", Prompt("the dog"), maxNewTokens: 20, seed: 4) with { IgnoreEos = true };
        var first = Run(request);
        var stopToken = first.Tokens[2];
        var k = first.Tokens.ToList().IndexOf(stopToken);

        var stopped = Run(request with { StopTokenIds = [stopToken] });

        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(stopToken, stopped.StopTokenId);
        Assert.Equal(first.Tokens.Take(k + 1), stopped.Tokens);
        Assert.Equal(first.ModelLogProbs.Take(k + 1), stopped.ModelLogProbs);
        Assert.Equal(first.SamplingLogProbs.Take(k + 1), stopped.SamplingLogProbs);
        Assert.Equal(Text(first.Tokens.Take(k).ToArray()), stopped.Text);
    }

    [Fact]
    public void EosStopsUnlessIgnored()
    {
        var forceEos = new SamplingParams { LogitBias = new Dictionary<int, float> { [Eos] = 100f } };
        var request = Request("e", Prompt("the"), maxNewTokens: 5) with { Sampling = forceEos };

        var stopped = Run(request);
        Assert.Equal([Eos], stopped.Tokens);
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(Eos, stopped.StopTokenId);
        Assert.Equal("", stopped.Text);
        Assert.True(stopped.ModelLogProbs[0] < -3, "the raw model gives EOS no special weight");
        Assert.InRange(stopped.SamplingLogProbs[0], -1e-3f, 0f);

        var ignored = Run(request with { IgnoreEos = true });
        Assert.Equal(Enumerable.Repeat(Eos, 5), ignored.Tokens);
        Assert.Equal(FinishReason.Length, ignored.FinishReason);
        Assert.Null(ignored.StopTokenId);
        Assert.Equal("", ignored.Text);  // special tokens are not text
    }

    [Fact]
    public void ASampleWithoutStopsEndsAtMaxNewTokens()
    {
        var sample = Run(Request("l", Prompt("the mat"), maxNewTokens: 11) with { IgnoreEos = true });
        Assert.Equal(FinishReason.Length, sample.FinishReason);
        Assert.Equal(11, sample.Tokens.Count);
        Assert.Equal(11, sample.ModelLogProbs.Count);
        Assert.Equal(11, sample.SamplingLogProbs.Count);
        Assert.All(sample.ModelLogProbs, lp => Assert.InRange(lp, float.NegativeInfinity, 0f));
        Assert.Equal(Text(sample.Tokens), sample.Text);
    }

    [Fact]
    public void CharactersSplitOverByteTokensComeOutWholeAndCanStop()
    {
        // "é" is C3 A9 and "€" is E2 82 AC; the tokenizer never merged them, so each byte is its own token.
        var bias = new byte[] { 0xC3, 0xA9, 0xE2, 0x82, 0xAC }.ToDictionary(ByteToken, _ => 6f);
        var request = Request("u", Prompt("the"), n: 4, maxNewTokens: 60, seed: 9) with { IgnoreEos = true, Sampling = new() { LogitBias = bias } };
        var samples = _engine.Run([request])[0].Samples;

        foreach (var s in samples)
        {
            var bytes = Tokenizer.DecodeBytes(s.Tokens.ToArray(), skipSpecial: true);
            Assert.Equal(Encoding.UTF8.GetString(bytes), s.Text);
        }
        var withE = samples.First(s => s.Text!.Contains('é', StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Text!.Contains('€', StringComparison.Ordinal));

        // Stop at the first "é": the sample ends with the token holding its second byte, the text just before it.
        var stopped = _engine.Run([request with { StopStrings = ["é"] }])[0].Samples[withE.Index];
        var cut = withE.Text!.IndexOf('é', StringComparison.Ordinal);
        Assert.Equal(withE.Text[..cut], stopped.Text);
        Assert.Equal(ByteToken(0xA9), stopped.Tokens[^1]);
        Assert.Equal(withE.Tokens.Take(stopped.Tokens.Count), stopped.Tokens);
        Assert.Equal("é", stopped.StopString);
    }
}
