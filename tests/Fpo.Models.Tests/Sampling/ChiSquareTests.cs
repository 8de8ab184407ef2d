using Fpo.Testing;
using Fpo.Testing.Statistics;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The chi-square machinery the sampler tests rest on: Q(a, x) against torch.special.gammaincc and
/// textbook values, and the binning of the test itself.</summary>
public class ChiSquareTests
{
    [Fact]
    public void UpperIncompleteGammaMatchesTorch()
    {
        using var g = GoldenFile.Open(SamplingGolden.File);
        var a = ReadDoubles(g, "gammaincc.a");
        var x = ReadDoubles(g, "gammaincc.x");
        var q = ReadDoubles(g, "gammaincc.q");
        for (var i = 0; i < a.Length; i++)
        {
            var ours = IncompleteGamma.UpperRegularized(a[i], x[i]);
            // torch's gammaincc itself is off by 3e-10 at a = 500 (against mpmath), so the check is looser than ours
            Assert.True(Math.Abs(ours - q[i]) <= 1e-9 * q[i], $"Q({a[i]}, {x[i]}) = {ours:R}, torch {q[i]:R}");
        }
    }

    [Theory]
    // Q(a, x) to 20 digits by mpmath.gammainc(a, x, inf, regularized=True) at 30 digits
    [InlineData(500, 520, 0.18469114909874360424)]
    [InlineData(0.5, 20, 2.5396285894708649707e-10)]
    [InlineData(50, 70, 0.0051405024585058938995)]
    [InlineData(3, 0.001, 0.99999999983345828335)]
    [InlineData(100, 200, 1.8438936497115741514e-15)]
    [InlineData(9.5, 22, 0.00094437184579990969276)]
    [InlineData(2.5, 3, 0.30621891841327840088)]
    public void UpperIncompleteGammaMatchesMpmath(double a, double x, double q)
    {
        var ours = IncompleteGamma.UpperRegularized(a, x);
        Assert.True(Math.Abs(ours - q) <= 1e-11 * q, $"Q({a}, {x}) = {ours:R}, mpmath {q:R}, relative error {Math.Abs(ours - q) / q:E2}");
    }

    [Theory]
    // chi-square critical values from the tables (upper tail): df, statistic, p
    [InlineData(1, 3.841458820694124, 0.05)]
    [InlineData(1, 10.827566170662733, 0.001)]
    [InlineData(10, 18.307038053275146, 0.05)]
    [InlineData(19, 43.820195964737800, 0.001)]
    [InlineData(100, 124.34211340400407, 0.05)]
    public void ChiSquarePValuesMatchTables(int df, double statistic, double p) =>
        Assert.Equal(p, IncompleteGamma.UpperRegularized(df / 2.0, statistic / 2), 1e-9);

    [Fact]
    public void LogGammaMatchesFactorials()
    {
        double factorial = 1;
        for (var n = 1; n <= 20; n++)
        {
            Assert.Equal(Math.Log(factorial), IncompleteGamma.LogGamma(n), 1e-12);
            factorial *= n;
        }
        Assert.Equal(0.5 * Math.Log(Math.PI), IncompleteGamma.LogGamma(0.5), 1e-14);
    }

    [Fact]
    public void SmallBinsArePooledAndImpossibleDrawsCounted()
    {
        // n = 1000: expected 600, 390, 6, 3, 1: the last two pool to 4 < 5 and join the 6-bin, so the bins are
        // 600|600, 390|390 and 9 observed against 10 expected; the draw of the probability-0 outcome is counted apart
        long[] observed = [600, 390, 6, 2, 1, 1];
        double[] p = [0.6, 0.39, 0.006, 0.003, 0.001, 0];
        var r = ChiSquare.Test(observed, p);
        Assert.Equal(2, r.DegreesOfFreedom);
        Assert.Equal(1, r.ImpossibleDraws);
        Assert.Equal(0.1, r.Statistic, 1e-9);
    }

    [Fact]
    public void PerfectFitHasPValueOneAndAGrossMisfitNearZero()
    {
        Assert.Equal(1, ChiSquare.Test([500, 500], [0.5, 0.5]).PValue, 1e-12);
        Assert.True(ChiSquare.Test([600, 400], [0.5, 0.5]).PValue < 1e-9);
    }

    private static double[] ReadDoubles(Fpo.Models.Checkpoints.SafetensorsFile g, string name)
    {
        var bytes = g.GetBytes(name);
        return [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray()];
    }
}
