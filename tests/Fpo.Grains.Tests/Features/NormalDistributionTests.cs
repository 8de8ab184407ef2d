using Fpo.Grains.Contracts;
using Fpo.Testing.Statistics;

namespace Fpo.Grains.Tests.Features;

/// <summary>
/// <see cref="NormalDistribution"/>'s erfc and normal tails against published values (to 1e-12 relative, on both
/// branches and far into the tail) and against an independent computation: erfc(x) = Q(1/2, x²), the regularized
/// upper incomplete gamma function of the test library's chi-square test.
/// </summary>
public sealed class NormalDistributionTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 0.8875370839817152)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.5, 0.033894853524689274)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(3.0, 2.2090496998585438e-05)]
    [InlineData(4.0, 1.541725790028002e-08)]
    [InlineData(5.0, 1.5374597944280351e-12)]
    [InlineData(6.0, 2.1519736712498916e-17)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(20.0, 5.3958656116079005e-176)]
    [InlineData(-1.0, 1.842700792949715)]
    public void Erfc_matches_published_values(double x, double expected) =>
        AssertRelative(expected, NormalDistribution.Erfc(x), 1e-12, $"erfc({x})");

    [Theory]
    [InlineData(1.0, 0.31731050786291415)]
    [InlineData(1.96, 0.04999579029644087)]
    [InlineData(2.576, 0.009995064631470037)]
    [InlineData(3.29, 0.0010018738275714442)]
    [InlineData(3.891, 9.983193294720465e-05)]
    [InlineData(5.0, 5.733031437583892e-07)]
    [InlineData(8.0, 1.2441921148543639e-15)]
    public void The_two_sided_p_of_a_z_statistic_matches_the_normal_table(double z, double expected)
    {
        AssertRelative(expected, NormalDistribution.TwoSidedP(z), 1e-12, $"p({z})");
        AssertRelative(expected, NormalDistribution.TwoSidedP(-z), 1e-12, $"p({-z})");
        AssertRelative(expected / 2, NormalDistribution.UpperTail(z), 1e-12, $"P(Z ≥ {z})");
        AssertRelative(1 - expected / 2, NormalDistribution.UpperTail(-z), 1e-12, $"P(Z ≥ {-z})");
    }

    [Fact]
    public void Erfc_agrees_with_the_incomplete_gamma_function_across_both_branches()
    {
        for (var x = 0.01; x < 12; x += 0.01)
            AssertRelative(IncompleteGamma.UpperRegularized(0.5, x * x), NormalDistribution.Erfc(x), 1e-11, $"erfc({x})");
    }

    [Fact]
    public void The_branches_meet_at_the_switch_and_the_tails_have_their_limits()
    {
        var below = NormalDistribution.Erfc(Math.BitDecrement(NormalDistribution.SeriesLimit));
        var at = NormalDistribution.Erfc(NormalDistribution.SeriesLimit);
        AssertRelative(at, below, 1e-12, "erfc on both sides of the switch");
        Assert.Equal(0.5, NormalDistribution.UpperTail(0), 1e-15);
        Assert.Equal(1, NormalDistribution.TwoSidedP(0));
        Assert.Equal(0, NormalDistribution.Erfc(40));
        Assert.Equal(2, NormalDistribution.Erfc(-40));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalDistribution.TwoSidedP(double.NaN));
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what} = {actual:R}, expected {expected:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):G3})");
}
