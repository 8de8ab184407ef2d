using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The top-k heap and the top-p mass selection against plain sorting, at every length up to 100 and with
/// many ties (small integer values, whose sums are exact, so the boundary cases are exact too).</summary>
public class SelectionTests
{
    [Fact]
    public void TopKThresholdIsTheKthLargestValue()
    {
        var rng = new Random(1);
        var heap = new float[200];
        for (var n = 1; n <= 100; n++)
            for (var trial = 0; trial < 5; trial++)
            {
                var x = Values(rng, n, trial);
                var sorted = x.OrderDescending().ToArray();
                for (var k = 1; k <= n; k++)
                    Assert.Equal(sorted[k - 1], TopKThreshold.Find(x, k, heap));
            }
    }

    [Fact]
    public void NucleusThresholdKeepsTheShortestSortedPrefixReachingTheTargetPlusTies()
    {
        var rng = new Random(2);
        var scratch = new float[200];
        var histogram = new double[NucleusThreshold.Buckets];
        for (var n = 1; n <= 100; n++)
            for (var trial = 0; trial < 10; trial++)
            {
                var w = Values(rng, n, trial).Select(v => float.IsNegativeInfinity(v) ? 0f : MathF.Abs(v)).ToArray();
                if (w.All(v => v == 0)) w[0] = 1;
                var sorted = w.OrderDescending().ToArray();
                double total = w.Sum();
                // integer weights: every target from the smallest to the total, boundaries (sum == target) included
                for (var target = 0.5; target <= total; target += 0.5)
                {
                    double cum = 0;
                    var last = 0;
                    while ((cum += sorted[last]) < target) last++;
                    Assert.Equal(sorted[last], NucleusThreshold.Find(w, target, scratch, histogram));
                    Assert.Equal(sorted[last], NucleusThreshold.Select(w.ToArray(), target));
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
            var n = rng.Next(1, 5000);
            var scale = rng.NextDouble() * 10;
            var w = Enumerable.Range(0, n).Select(_ => (float)Math.Exp(-rng.NextDouble() * scale)).ToArray();
            var sorted = w.OrderDescending().ToArray();
            var target = rng.NextDouble() * w.Sum(v => (double)v);
            double cum = 0;
            var last = 0;
            while ((cum += sorted[last]) < target) last++;
            Assert.Equal(sorted[last], NucleusThreshold.Find(w, target, scratch, histogram));
        }
    }

    // Small integers (many ties), a few -inf, or all equal
    private static float[] Values(Random rng, int n, int trial) => trial switch
    {
        0 => Enumerable.Repeat(3f, n).ToArray(),
        1 => [.. Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? float.NegativeInfinity : rng.Next(-5, 6))],
        _ => [.. Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, 1 + trial * 3))],
    };
}
