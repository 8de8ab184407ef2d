using Fpo.Models.Sampling;
using Fpo.Testing;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The sampler's final distribution and model log-probabilities against tests/reference/sampling.py.</summary>
public sealed class SamplerGoldenTests(ITestOutputHelper output) : IDisposable
{
    private readonly StringWriter log = new();

    public void Dispose() => output.WriteLine(log.ToString());

    /// <summary>Cases that draw from a distribution with more than one token.</summary>
    public static readonly string[] RandomNames =
    [
        "plain", "temperature_0.7", "temperature_1.8_with_neg_inf", "top_k_5_ties_at_boundary", "top_k_larger_than_V",
        "top_p_0.8", "top_p_ties_at_boundary", "min_p_0.1", "repetition_1.3", "repetition_0.8", "presence", "frequency", "presence_frequency",
        "negative_presence_frequency", "bias", "bias_repetition", "temperature_top_k_top_p", "penalties_min_p", "everything",
    ];

    /// <summary>Cases whose distribution is one token.</summary>
    public static readonly string[] CertainNames =
    [
        "top_p_reached_by_first_token", "greedy_ties_lowest_id", "greedy_bias_moves_argmax", "top_k_1_is_greedy",
        "all_but_one_masked",
    ];

    public static readonly TheoryData<string> Random = [.. RandomNames];
    public static readonly TheoryData<string> Certain = [.. CertainNames];
    public static readonly TheoryData<string> All = [.. RandomNames, .. CertainNames];

    [Fact]
    public void EveryGoldenCaseIsTested()
    {
        var tested = RandomNames.Concat(CertainNames).Order(StringComparer.Ordinal);
        Assert.Equal(SamplingGolden.Cases.Select(c => c.Name).Order(StringComparer.Ordinal), tested);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void DistributionMatchesPyTorch(string name)
    {
        var c = SamplingGolden.Case(name);
        var sampler = new TokenSampler(c.V);
        var probabilities = new float[c.V];
        sampler.Distribution(probabilities, c.Logits, c.Parameters, c.History());
        TensorComparison.AssertClose($"{name}.probs", probabilities, c.Probabilities, rtol: 2e-5f, log: log);
        for (var i = 0; i < c.V; i++)
            Assert.True(probabilities[i] > 0 == c.Probabilities[i] > 0, $"{name}: token {i} kept by one side only (ours {probabilities[i]}, torch {c.Probabilities[i]})");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void LogProbsMatchPyTorch(string name)
    {
        var c = SamplingGolden.Case(name);
        var sampler = new TokenSampler(c.V);
        var random = new SequenceRandom(7, 0);
        var history = c.History();
        for (var draw = 0; draw < 200; draw++)
        {
            var s = sampler.Sample(c.Logits, c.Parameters, history, random);
            Assert.True(c.Probabilities[s.Token] > 0, $"{name}: drew token {s.Token}, which torch gives probability 0");
            Assert.Equal(c.ModelLogProbs[s.Token], s.ModelLogProb, 5e-6f);
            Assert.Equal(MathF.Log(c.Probabilities[s.Token]), s.SamplingLogProb, 5e-5f);
        }
    }

    [Theory]
    [MemberData(nameof(Certain))]
    public void OneTokenDistributionsAlwaysGiveThatTokenWithSamplingLogProbZero(string name)
    {
        var c = SamplingGolden.Case(name);
        var expected = Array.IndexOf(c.Probabilities, 1f);
        Assert.True(expected >= 0, $"{name}: torch's distribution is not one-hot");
        var sampler = new TokenSampler(c.V);
        var random = new SequenceRandom(3, 1);
        for (var draw = 0; draw < 1000; draw++)
        {
            var s = sampler.Sample(c.Logits, c.Parameters, c.History(), random);
            Assert.Equal(expected, s.Token);
            Assert.Equal(0f, s.SamplingLogProb);
            Assert.Equal(c.ModelLogProbs[expected], s.ModelLogProb, 5e-6f);
        }
    }
}
