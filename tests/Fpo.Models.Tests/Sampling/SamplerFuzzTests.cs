using System.Diagnostics;
using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>
/// Seeded random logits (ties, -inf, scales from 0.1 to 100, V up to 50257), parameters over their whole valid range
/// and random histories: Sample never throws, draws only tokens its own distribution gives positive probability and
/// whose raw logit is finite, and reports finite log-probabilities &lt;= 0, the sampling one equal to the log of that
/// probability.
/// </summary>
public sealed class SamplerFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 3000, Seed = 20261122;

    [Fact]
    public void ValidInputAlwaysGivesAKeptTokenWithSaneLogProbs()
    {
        var rng = new Random(Seed);
        var samplers = new Dictionary<int, TokenSampler>();
        var clock = Stopwatch.StartNew();
        int greedy = 0, draws = 0;
        for (var c = 0; c < Cases; c++)
        {
            var V = c % 100 == 99 ? 50257 : rng.Next(1, 300);
            var logits = Logits(rng, V);
            var p = Parameters(rng, V);
            var history = History(rng, V);
            if (!samplers.TryGetValue(V, out var sampler)) samplers[V] = sampler = new TokenSampler(V);
            var probabilities = new float[V];
            string Describe() => $"case {c} (seed {Seed}): V={V} {p}";
            sampler.Distribution(probabilities, logits, p, history);
            var random = new SequenceRandom((ulong)c, c % 7);
            if (p.IsGreedy) greedy++;
            for (var d = 0; d < 5; d++, draws++)
            {
                var s = sampler.Sample(logits, p, history, random);
                Assert.True(s.Token >= 0 && s.Token < V, $"{Describe()}: token {s.Token} outside [0, {V})");
                Assert.True(float.IsFinite(logits[s.Token]), $"{Describe()}: drew token {s.Token} whose raw logit is {logits[s.Token]}");
                Assert.True(probabilities[s.Token] > 0, $"{Describe()}: drew token {s.Token}, which its distribution masks");
                Assert.True(float.IsFinite(s.ModelLogProb) && s.ModelLogProb <= 0, $"{Describe()}: ModelLogProb {s.ModelLogProb}");
                Assert.True(float.IsFinite(s.SamplingLogProb) && s.SamplingLogProb <= 0, $"{Describe()}: SamplingLogProb {s.SamplingLogProb}");
                var expected = p.IsGreedy ? 0 : Math.Log(probabilities[s.Token]);
                Assert.True(Math.Abs(s.SamplingLogProb - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)),
                    $"{Describe()}: SamplingLogProb {s.SamplingLogProb}, log of its probability {expected}");
            }
        }
        output.WriteLine($"{Cases} cases, {draws} draws ({greedy} greedy cases) in {clock.ElapsedMilliseconds} ms");
        Assert.InRange(greedy, Cases / 20, Cases / 2);
    }

    private static float[] Logits(Random rng, int V)
    {
        float[] scales = [0.1f, 1f, 10f, 100f];
        var scale = scales[rng.Next(scales.Length)];
        var maskRate = rng.Next(3) == 0 ? rng.NextDouble() : 0;
        var logits = new float[V];
        for (var i = 0; i < V; i++)
        {
            logits[i] = (float)Normal(rng) * scale;
            if (i > 0 && rng.Next(10) == 0) logits[i] = logits[rng.Next(i)]; // ties
            if (rng.NextDouble() < maskRate) logits[i] = float.NegativeInfinity;
        }
        if (logits.All(float.IsNegativeInfinity)) logits[rng.Next(V)] = (float)Normal(rng);
        return logits;
    }

    private static SamplingParams Parameters(Random rng, int V) => new()
    {
        Temperature = rng.Next(10) switch { 0 => 0f, 1 => 1e-20f, _ => (float)Math.Exp(rng.NextDouble() * 7 - 5) },
        TopK = rng.Next(5) < 2 ? 0 : rng.Next(1, V + 5),
        TopP = rng.Next(5) < 2 ? 1f : (float)Math.Max(1e-4, rng.NextDouble()),
        MinP = rng.Next(2) == 0 ? 0f : (float)Math.Min(0.999, rng.NextDouble()),
        RepetitionPenalty = rng.Next(2) == 0 ? 1f : (float)Math.Exp(rng.NextDouble() * 2 - 1),
        PresencePenalty = rng.Next(2) == 0 ? 0f : (float)(rng.NextDouble() * 4 - 2),
        FrequencyPenalty = rng.Next(2) == 0 ? 0f : (float)(rng.NextDouble() * 4 - 2),
        LogitBias = rng.Next(3) != 0 ? null : Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(V)).Distinct()
            .ToDictionary(id => id, _ => rng.Next(5) == 0 ? -100f : (float)(rng.NextDouble() * 20 - 10)),
    };

    private static TokenHistory History(Random rng, int V)
    {
        var history = new TokenHistory([.. Enumerable.Range(0, rng.Next(20)).Select(_ => rng.Next(V))]);
        for (var n = rng.Next(20); n > 0; n--) history.Add(rng.Next(V));
        return history;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
