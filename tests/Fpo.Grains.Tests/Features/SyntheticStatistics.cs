using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Features;

/// <summary>
/// Feature statistics made to order: sampled from known frequencies (on every token each latent is active
/// independently with its own probability, the model under which the alerts' z-test holds up to the normal
/// approximation), or with exact counts. Every activation is 1; only the counts matter to the alerts.
/// </summary>
internal static class SyntheticStatistics
{
    private const int SequenceLength = 64;

    /// <summary><paramref name="tokens"/> tokens of <paramref name="frequencies"/>.Count latents, drawn from a generator seeded with <paramref name="seed"/>.</summary>
    public static FeatureStatistics Sample(IReadOnlyList<double> frequencies, int tokens, int seed)
    {
        var random = new Random(seed);
        return Build(frequencies.Count, tokens, (t, j) => random.NextDouble() < frequencies[j]);
    }

    /// <summary><paramref name="tokens"/> tokens on the first <c>counts[j]</c> of which latent j is active.</summary>
    public static FeatureStatistics WithCounts(int latents, int tokens, IReadOnlyDictionary<int, int> counts) =>
        Build(latents, tokens, (t, j) => t < counts.GetValueOrDefault(j));

    /// <summary><paramref name="latents"/> frequencies spread evenly on a log scale from <paramref name="lowest"/> (latent 0) to <paramref name="highest"/>.</summary>
    public static double[] LogSpread(int latents, double lowest, double highest) =>
        [.. Enumerable.Range(0, latents).Select(j => lowest * Math.Pow(highest / lowest, (double)j / (latents - 1)))];

    // Token t (counted over the whole stream) activates latent j when active(t, j); tokens go in sequences of 64.
    private static FeatureStatistics Build(int latentCount, int tokens, Func<int, int, bool> active)
    {
        var stats = new FeatureStatistics(latentCount, topN: 0, contextRadius: 0);
        for (var start = 0; start < tokens; start += SequenceLength)
        {
            var length = Math.Min(SequenceLength, tokens - start);
            var rowStart = new int[length + 1];
            List<int> latents = [];
            for (var t = 0; t < length; t++)
            {
                for (var j = 0; j < latentCount; j++)
                    if (active(start + t, j)) latents.Add(j);
                rowStart[t + 1] = latents.Count;
            }
            stats.AddSequence(start, new int[length], rowStart, [.. latents], [.. latents.Select(_ => 1f)]);
        }
        return stats;
    }
}
