using Fpo.Grains.Contracts;

namespace Fpo.Grains.Tests.Features;

/// <summary><see cref="TwoProportionTest"/> on counts worked by hand, its degenerate cases and bad counts.</summary>
public sealed class TwoProportionTestTests
{
    [Fact]
    public void The_z_and_p_of_a_rise_from_2_to_6_percent_of_1000_match_the_hand_computation()
    {
        // p̂ = 80/2000 = 0.04; √(0.04 · 0.96 · (1/1000 + 1/1000)) = √7.68e-5; z = 0.04 / that.
        var expected = 0.04 / Math.Sqrt(7.68e-5);

        Assert.Equal(expected, TwoProportionTest.Z(20, 1000, 60, 1000), 1e-12);
        Assert.Equal(-expected, TwoProportionTest.Z(60, 1000, 20, 1000), 1e-12);
        Assert.Equal(NormalDistribution.TwoSidedP(expected), TwoProportionTest.PValue(20, 1000, 60, 1000), 1e-18);
        Assert.InRange(TwoProportionTest.PValue(20, 1000, 60, 1000), 4e-6, 6e-6);
    }

    [Fact]
    public void Equal_frequencies_and_a_pooled_frequency_of_0_or_1_give_p_1()
    {
        Assert.Equal(1, TwoProportionTest.PValue(10, 100, 30, 300));
        Assert.Equal(1, TwoProportionTest.PValue(0, 100, 0, 50));
        Assert.Equal(1, TwoProportionTest.PValue(100, 100, 50, 50));
        Assert.True(TwoProportionTest.PValue(1, 100, 4, 100) > 0.1, "1 → 4 of 100 tokens is noise");
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(-1, 10, 1, 10)]
    [InlineData(11, 10, 1, 10)]
    [InlineData(1, 10, 5, 4)]
    public void Impossible_counts_are_refused(long count1, long total1, long count2, long total2) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoProportionTest.PValue(count1, total1, count2, total2));
}
