using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The edge cases of the sampler, one per test: boundaries of the masks, masked and invalid logits, greedy
/// picks, determinism of the streams, and the log-probabilities it reports.</summary>
public class SamplerEdgeCaseTests
{
    private static readonly float NegInf = float.NegativeInfinity;

    private static SampledToken[] Draw(float[] logits, SamplingParams p, int draws, ulong seed = 1, int index = 0, TokenHistory? history = null)
    {
        var sampler = new TokenSampler(logits.Length);
        var random = new SequenceRandom(seed, index);
        history ??= new TokenHistory([]);
        return [.. Enumerable.Range(0, draws).Select(_ => sampler.Sample(logits, p, history, random))];
    }

    private static float[] Distribution(float[] logits, SamplingParams p, TokenHistory? history = null)
    {
        var probabilities = new float[logits.Length];
        new TokenSampler(logits.Length).Distribution(probabilities, logits, p, history ?? new TokenHistory([]));
        return probabilities;
    }

    private static float[] RandomLogits(int V, int seed, float scale = 3f)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, V).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale)];
    }

    [Fact]
    public void TiesAtTheTopKBoundaryAreAllKept()
    {
        float[] logits = [1f, 3f, 2f, 2f, 2f, 0f];
        var p = Distribution(logits, new SamplingParams { TopK = 2 });
        Assert.Equal([1, 2, 3, 4], Enumerable.Range(0, 6).Where(i => p[i] > 0));
        Assert.Equal(p[2], p[4]);
        var drawn = Draw(logits, new SamplingParams { TopK = 2 }, 2000).Select(s => s.Token).ToHashSet();
        Assert.Equal([1, 2, 3, 4], drawn.Order());
    }

    [Fact]
    public void TopPReachedByTheFirstTokenDrawsOnlyItWithSamplingLogProbZero()
    {
        float[] logits = [0f, 1f, 6f, 0.5f, -1f];
        foreach (var s in Draw(logits, new SamplingParams { TopP = 0.9f }, 2000))
        {
            Assert.Equal(2, s.Token);
            Assert.Equal(0f, s.SamplingLogProb);
            Assert.True(s.ModelLogProb < 0);
        }
    }

    [Fact]
    public void AllButOneMaskedDrawsTheOneWithBothLogProbsZero()
    {
        var logits = Enumerable.Repeat(NegInf, 50).ToArray();
        logits[37] = -12f;
        foreach (var p in new[] { new SamplingParams(), new SamplingParams { Temperature = 0.3f, TopK = 5, TopP = 0.5f, MinP = 0.5f } })
            foreach (var s in Draw(logits, p, 200))
            {
                Assert.Equal(37, s.Token);
                Assert.Equal(0f, s.SamplingLogProb);
                Assert.Equal(0f, s.ModelLogProb, 1e-6f); // exp(0) through the vectorised exp may be 1 + 1 ulp
            }
    }

    [Fact]
    public void NegativeInfinityLogitsAreNeverDrawnAndGetProbabilityZero()
    {
        var logits = RandomLogits(64, 1);
        for (var i = 0; i < 64; i += 2) logits[i] = NegInf;
        var p = new SamplingParams { Temperature = 3f, RepetitionPenalty = 1.5f, PresencePenalty = -1f };
        var history = new TokenHistory([0, 2, 4, 5]);
        history.Add(6);
        var probabilities = Distribution(logits, p, history);
        for (var i = 0; i < 64; i += 2) Assert.Equal(0f, probabilities[i]);
        foreach (var s in Draw(logits, p, 5000, history: history))
        {
            Assert.True(s.Token % 2 == 1, $"drew the masked token {s.Token}");
            Assert.True(float.IsFinite(s.ModelLogProb) && float.IsFinite(s.SamplingLogProb));
        }
    }

    [Fact]
    public void NaNLogitsAreRejectedNamingTheFirstNaNToken()
    {
        float[] logits = [0f, 1f, 2f, float.NaN, 4f, float.NaN];
        var e = Assert.Throws<ArgumentException>(() => Draw(logits, new SamplingParams(), 1));
        Assert.StartsWith("logits contain NaN at token id 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Draw(logits, new SamplingParams { Temperature = 0 }, 1));
        Assert.StartsWith("logits contain NaN at token id 3", e.Message);
    }

    [Fact]
    public void PositiveInfinityLogitsAreRejected()
    {
        float[] logits = [0f, 1f, float.PositiveInfinity, 2f];
        var e = Assert.Throws<ArgumentException>(() => Draw(logits, new SamplingParams(), 1));
        Assert.StartsWith("logits contain +inf at token id 2: a logit must be finite or -inf (masked)", e.Message);
    }

    [Fact]
    public void EveryTokenMaskedIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Draw([NegInf, NegInf, NegInf], new SamplingParams(), 1));
        Assert.StartsWith("every token is masked: all 3 logits are -inf", e.Message);
        // a finite bias cannot unmask -inf, but it can push the last finite logit past float's range
        var p = new SamplingParams { LogitBias = new Dictionary<int, float> { [0] = -3e38f } };
        e = Assert.Throws<ArgumentException>(() => Draw([-3e38f, NegInf], p, 1));
        Assert.StartsWith("every token is masked: all 2 logits are -inf after the logit bias and penalties", e.Message);
    }

    [Fact]
    public void PenaltiesThatOverflowToPositiveInfinityAreRejected()
    {
        var p = new SamplingParams { RepetitionPenalty = 1e-10f };
        var e = Assert.Throws<ArgumentException>(() => Draw([1e30f, 0f], p, 1, history: new TokenHistory([0])));
        Assert.StartsWith("the logit of token id 0 overflowed to +inf in the logit bias or penalties", e.Message);
    }

    [Fact]
    public void GreedyTiesGoToTheLowestId()
    {
        float[] logits = [0f, 2f, 1f, 2f, 2f];
        Assert.All(Draw(logits, new SamplingParams { Temperature = 0 }, 10), s => Assert.Equal(new SampledToken(1, s.ModelLogProb, 0f), s));
        // +0 and -0 are equal logits: the lower id wins, whichever sign it has
        Assert.Equal(0, Draw([-0f, 0f, NegInf], new SamplingParams { Temperature = 0 }, 1)[0].Token);
        var wide = new float[1000];
        wide[700] = wide[300] = 5f;
        Assert.Equal(300, Draw(wide, new SamplingParams { TopK = 1 }, 1)[0].Token);
    }

    [Fact]
    public void GreedyUsesTheLogitsAfterBiasAndPenalties()
    {
        float[] logits = [3f, 2.5f, 1f];
        var history = new TokenHistory([0]);
        Assert.Equal(1, Draw(logits, new SamplingParams { Temperature = 0, RepetitionPenalty = 1.5f }, 1, history: history)[0].Token);
        var biased = new SamplingParams { Temperature = 0, LogitBias = new Dictionary<int, float> { [2] = 5f } };
        Assert.Equal(2, Draw(logits, biased, 1)[0].Token);
    }

    [Fact]
    public void TopKOneEqualsTemperatureZero()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var logits = RandomLogits(300, seed);
            var history = new TokenHistory([1, 2, 3]);
            var greedy = Draw(logits, new SamplingParams { Temperature = 0, RepetitionPenalty = 1.3f }, 3, history: history);
            var topOne = Draw(logits, new SamplingParams { TopK = 1, Temperature = 0.7f, TopP = 0.5f, RepetitionPenalty = 1.3f }, 3, history: history);
            Assert.Equal(greedy, topOne);
        }
    }

    [Fact]
    public void TopKOfVOrMoreKeepsEveryToken()
    {
        var logits = RandomLogits(40, 3);
        var all = Distribution(logits, new SamplingParams());
        Assert.Equal(all, Distribution(logits, new SamplingParams { TopK = 40 }));
        Assert.Equal(all, Distribution(logits, new SamplingParams { TopK = 1000 }));
        Assert.All(all, p => Assert.True(p > 0));
    }

    [Fact]
    public void TinyTemperatureIsNearlyGreedyWithoutOverflow()
    {
        float[] logits = [1f, 3f, 2.9999f, -2f];
        Assert.All(Draw(logits, new SamplingParams { Temperature = 1e-30f }, 100), s => Assert.Equal(new SampledToken(1, s.ModelLogProb, 0f), s));
    }

    [Fact]
    public void SameSeedAndIndexGiveTheSameTokensAndOtherIndicesOrSeedsDoNot()
    {
        var logits = RandomLogits(500, 4, scale: 1f);
        var p = new SamplingParams { Temperature = 1.1f, TopK = 200, TopP = 0.98f, RepetitionPenalty = 1.1f, FrequencyPenalty = 0.2f };
        int[] Run(ulong seed, int index)
        {
            var sampler = new TokenSampler(logits.Length);
            var random = new SequenceRandom(seed, index);
            var history = new TokenHistory([5, 6, 7]);
            var tokens = new int[100];
            for (var t = 0; t < tokens.Length; t++)
            {
                tokens[t] = sampler.Sample(logits, p, history, random).Token;
                history.Add(tokens[t]);
            }
            return tokens;
        }
        var first = Run(42, 3);
        Assert.Equal(first, Run(42, 3));
        Assert.NotEqual(first, Run(42, 4));
        Assert.NotEqual(first, Run(43, 3));
    }

    [Fact]
    public void EveryCallTakesExactlyOneUniformGreedyOrNot()
    {
        var logits = RandomLogits(100, 5);
        var sampler = new TokenSampler(100);
        var history = new TokenHistory([]);
        var afterGreedy = new SequenceRandom(9, 0);
        sampler.Sample(logits, new SamplingParams { Temperature = 0 }, history, afterGreedy);
        var afterRandom = new SequenceRandom(9, 0);
        sampler.Sample(logits, new SamplingParams { TopK = 10 }, history, afterRandom);
        var reference = new SequenceRandom(9, 0);
        reference.NextDouble();
        var expected = reference.NextDouble();
        Assert.Equal(expected, afterGreedy.NextDouble());
        Assert.Equal(expected, afterRandom.NextDouble());
    }

    [Fact]
    public void ModelLogProbIsLogSoftmaxOfTheRawLogitsWhateverTheTransforms()
    {
        const int V = 50257;
        var logits = RandomLogits(V, 6, scale: 8f);
        logits[17] = NegInf;
        var max = logits.Max();
        var logSumExp = max + Math.Log(logits.Sum(x => Math.Exp(x - (double)max)));
        var history = new TokenHistory([1, 2, 3, 40000]);
        history.Add(2);
        var p = new SamplingParams
        {
            Temperature = 0.6f, TopK = 50, TopP = 0.9f, RepetitionPenalty = 1.3f, PresencePenalty = 0.5f,
            LogitBias = new Dictionary<int, float> { [123] = 30f },
        };
        var sampler = new TokenSampler(V);
        var random = new SequenceRandom(1, 0);
        for (var d = 0; d < 50; d++)
        {
            var s = sampler.Sample(logits, p, history, random);
            Assert.Equal(logits[s.Token] - logSumExp, s.ModelLogProb, 2e-5);
        }
    }

    [Fact]
    public void SamplingLogProbIsTheLogOfTheDrawnTokensProbability()
    {
        var logits = RandomLogits(1000, 7);
        var p = new SamplingParams { Temperature = 0.8f, TopP = 0.7f, MinP = 0.01f };
        var expected = Distribution(logits, p);
        foreach (var s in Draw(logits, p, 500))
            Assert.Equal(Math.Log(expected[s.Token]), s.SamplingLogProb, 1e-5);
    }

    [Fact]
    public void LogitsAreNotModified()
    {
        var logits = RandomLogits(300, 8);
        var copy = logits.ToArray();
        Draw(logits, new SamplingParams { Temperature = 0.5f, TopK = 20, RepetitionPenalty = 2f, LogitBias = new Dictionary<int, float> { [0] = 1f } },
            5, history: new TokenHistory([0, 1]));
        Assert.Equal(copy, logits);
    }

    [Fact]
    public void WrongLengthsAndOutOfVocabularyHistoryAreRejected()
    {
        var sampler = new TokenSampler(10);
        var random = new SequenceRandom(1, 0);
        var e = Assert.Throws<ArgumentException>(() => sampler.Sample(new float[9], new SamplingParams(), new TokenHistory([]), random));
        Assert.StartsWith("logits has 9 entries, the sampler's vocabulary is 10", e.Message);
        e = Assert.Throws<ArgumentException>(() => sampler.Sample(new float[10], new SamplingParams(), new TokenHistory([3, 10]), random));
        Assert.StartsWith("the token history holds id 10, outside the vocabulary [0, 10)", e.Message);
        e = Assert.Throws<ArgumentException>(() => sampler.Distribution(new float[11], new float[10], new SamplingParams(), new TokenHistory([])));
        Assert.StartsWith("probabilities has 11 entries, the sampler's vocabulary is 10", e.Message);
    }
}
