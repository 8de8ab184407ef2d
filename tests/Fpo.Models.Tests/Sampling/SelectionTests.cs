using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The top-k heap and the top-p mass selection against plain sorting, at every length up to 100 and with
/// many ties (small integer values, whose sums are exact, so the boundary cases are exact too).</summary>
public class SelectionTests
{
    [Fact]
    public void TopKThresholdIsTheKthLargestValue()
    {
        var heap = new float[200];
        var counts = new int[TopKThreshold.Buckets];
        foreach (var x in SmallVectors(seed: 1, trials: 5))
        {
            var sorted = x.OrderDescending().ToArray();
            for (var k = 1; k <= x.Length; k++)
            {
                Assert.Equal(sorted[k - 1], TopKThreshold.ByHeap(x, k, heap));
                Assert.Equal(sorted[k - 1], TopKThreshold.ByHistogram(x, k, heap, counts));
                Assert.Equal(sorted[k - 1], TopKThreshold.Select(x.ToArray(), k));
            }
        }
    }

    [Fact]
    public void TopKThresholdMatchesSortingOnRandomLogitsOfEverySign()
    {
        var rng = new Random(4);
        var scratch = new float[6000];
        var counts = new int[TopKThreshold.Buckets];
        for (var trial = 0; trial < 100; trial++)
        {
            var n = rng.Next(1, 6000);
            var x = Enumerable.Range(0, n).Select(_ => rng.Next(20) switch
            {
                0 => float.NegativeInfinity,
                1 => -0f,
                2 => 0f,
                _ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 4))),
            }).ToArray();
            var sorted = x.OrderDescending().ToArray();
            foreach (var k in new[] { 1, rng.Next(1, n + 1), rng.Next(1, n + 1), n })
            {
                Assert.Equal(sorted[k - 1], TopKThreshold.ByHistogram(x, k, scratch, counts));
                if (k <= TopKThreshold.MaxHeap) Assert.Equal(sorted[k - 1], TopKThreshold.ByHeap(x, k, scratch));
            }
        }
    }

    [Fact]
    public void NucleusThresholdKeepsTheShortestSortedPrefixReachingTheTargetPlusTies()
    {
        var scratch = new float[200];
        var histogram = new double[NucleusThreshold.Buckets];
        foreach (var x in SmallVectors(seed: 2, trials: 6))
        {
            var w = x.Select(v => float.IsNegativeInfinity(v) ? 0f : MathF.Abs(v)).ToArray();
            if (w.All(v => v == 0)) w[0] = 1;
            var sorted = w.OrderDescending().ToArray();
            // integer weights: every prefix sum exactly (the boundary case sum == target) and half-way between
            double prefix = 0;
            foreach (var v in sorted)
                foreach (var target in new[] { prefix + v / 2, prefix += v })
                {
                    if (target <= 0) continue;
                    var expected = SortedPrefixCut(sorted, target);
                    Assert.Equal(expected, NucleusThreshold.ByHistogram(w, target, scratch, histogram));
                    Assert.Equal(expected, NucleusThreshold.Select(w.ToArray(), target));
                }
        }
    }

    [Fact]
    public void NucleusThresholdMatchesSortingOnSoftmaxWeightsOfRandomLogits()
    {
        var rng = new Random(3);
        var scratch = new float[5000];
        var histogram = new double[NucleusThreshold.Buckets];
        for (var trial = 0; trial < 200; trial++)
        {
            var n = rng.Next(1, 5000); // both sides of the histogram's threshold length
            var scale = rng.NextDouble() * 10;
            var w = Enumerable.Range(0, n).Select(_ => (float)Math.Exp(-rng.NextDouble() * scale)).ToArray();
            var target = rng.NextDouble() * w.Sum(v => (double)v);
            Assert.Equal(SortedPrefixCut(w.OrderDescending().ToArray(), target), NucleusThreshold.Find(w, target, scratch, histogram));
        }
    }

    // The definition: the last weight of the shortest descending prefix whose sum reaches the target
    private static float SortedPrefixCut(float[] sortedDescending, double target)
    {
        double cum = 0;
        var last = 0;
        while ((cum += sortedDescending[last]) < target) last++;
        return sortedDescending[last];
    }

    // Vectors of every length 1..100, each in several kinds (Values)
    private static IEnumerable<float[]> SmallVectors(int seed, int trials)
    {
        var rng = new Random(seed);
        for (var n = 1; n <= 100; n++)
            for (var trial = 0; trial < trials; trial++)
                yield return Values(rng, n, trial);
    }

    // Small integers (many ties), a few -inf, or all equal
    private static float[] Values(Random rng, int n, int trial) => trial switch
    {
        0 => Enumerable.Repeat(3f, n).ToArray(),
        1 => [.. Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? float.NegativeInfinity : rng.Next(-5, 6))],
        _ => [.. Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, 1 + trial * 3))],
    };
}
