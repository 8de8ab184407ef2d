using Fpo.Models.Sampling;
using Fpo.Testing.Statistics;

namespace Fpo.Models.Tests.Sampling;

/// <summary>
/// 100,000 draws per golden case against PyTorch's distribution by Pearson's chi-square test (p &gt; 0.001), with
/// fixed seeds so the outcome is reproducible; tokens of probability 0 must never be drawn. The power tests show the
/// same test rejects draws from a slightly different distribution.
/// </summary>
public sealed class SamplerChiSquareTests(ITestOutputHelper output)
{
    private const int Draws = 100_000;
    private const double Alpha = 0.001;

    [Theory]
    [MemberData(nameof(SamplerGoldenTests.Random), MemberType = typeof(SamplerGoldenTests))]
    public void DrawsFollowTheTransformedDistribution(string name)
    {
        var c = SamplingGolden.Case(name);
        var counts = Count(c, c.Parameters, seed: 2026, sampleIndex: Array.IndexOf(SamplerGoldenTests.RandomNames, name));
        var expected = Normalized(c.Probabilities);
        var result = ChiSquare.Test(counts, expected);
        output.WriteLine(ChiSquare.Describe(name, result));
        Assert.True(result.ImpossibleDraws == 0, $"{name}: {result.ImpossibleDraws} draws of tokens with probability 0\n{ChiSquare.Table(counts, expected)}");
        Assert.True(result.PValue > Alpha, $"{ChiSquare.Describe(name, result)}\n{ChiSquare.Table(counts, expected)}");
    }

    [Fact]
    public void RejectsDrawsWhenOnePercentOfTheMassMovesBetweenTwoTokens()
    {
        var c = SamplingGolden.Case("temperature_0.7");
        var counts = Count(c, c.Parameters, seed: 11, sampleIndex: 0);
        var expected = Normalized(c.Probabilities);
        var order = Enumerable.Range(0, c.V).OrderByDescending(i => expected[i]).ToArray();
        expected[order[0]] -= 0.01;
        expected[order[1]] += 0.01;
        var result = ChiSquare.Test(counts, expected);
        output.WriteLine(ChiSquare.Describe("1% of the mass moved", result));
        Assert.True(result.PValue < Alpha, $"the test did not notice 1% of the mass moved: {ChiSquare.Describe("", result)}");
    }

    [Theory]
    [InlineData("repetition_1.3")]
    [InlineData("presence")]
    [InlineData("frequency")]
    [InlineData("bias")]
    [InlineData("temperature_0.7")]
    public void RejectsDrawsAgainstTheUntransformedDistribution(string name)
    {
        var c = SamplingGolden.Case(name);
        var counts = Count(c, c.Parameters, seed: 12, sampleIndex: 0);
        var raw = Normalized([.. c.ModelLogProbs.Select(MathF.Exp)]);
        var result = ChiSquare.Test(counts, raw);
        output.WriteLine(ChiSquare.Describe($"{name} vs raw softmax", result));
        Assert.True(result.PValue < Alpha, $"{name}: the draws cannot be told from the untransformed softmax: {ChiSquare.Describe("", result)}");
    }

    [Fact]
    public void MaskedTokensAreNeverDrawn()
    {
        foreach (var name in SamplerGoldenTests.RandomNames)
        {
            var c = SamplingGolden.Case(name);
            var counts = Count(c, c.Parameters, seed: 13, sampleIndex: 1, draws: 20_000);
            for (var i = 0; i < c.V; i++)
                if (c.Probabilities[i] == 0) Assert.True(counts[i] == 0, $"{name}: token {i} has probability 0 but was drawn {counts[i]} times");
        }
    }

    private static long[] Count(SamplingCase c, SamplingParams parameters, ulong seed, int sampleIndex, int draws = Draws)
    {
        var sampler = new TokenSampler(c.V);
        var history = c.History();
        var random = new SequenceRandom(seed, sampleIndex);
        var counts = new long[c.V];
        for (var d = 0; d < draws; d++) counts[sampler.Sample(c.Logits, parameters, history, random).Token]++;
        return counts;
    }

    private static double[] Normalized(float[] p)
    {
        var sum = p.Sum(v => (double)v);
        return [.. p.Select(v => v / sum)];
    }
}
