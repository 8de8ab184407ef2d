using Fpo.Grains.Contracts;

namespace Fpo.Grains.Tests.Features;

/// <summary><see cref="BenjaminiHochberg"/> on p-values adjusted by hand, a family given in part, and bad input.</summary>
public sealed class BenjaminiHochbergTests
{
    [Fact]
    public void Q_values_of_a_small_family_match_the_hand_computation_in_input_order()
    {
        // Sorted: 0.005, 0.01, 0.03, 0.04, 0.2; m·p/r = 0.025, 0.025, 0.05, 0.05, 0.2, already non-decreasing.
        var q = BenjaminiHochberg.QValues([0.01, 0.04, 0.03, 0.005, 0.2]);

        AssertClose([0.025, 0.05, 0.05, 0.025, 0.2], q);
    }

    [Fact]
    public void A_q_value_is_the_smallest_adjusted_value_at_its_rank_or_above()
    {
        // m = 10; m·p/r = 0.01, 0.04, 0.13, 0.1025, 0.084, 0.1, 0.10571, 0.25625, 0.23556, 0.216: ranks 3 and 4 take
        // rank 5's 0.084, ranks 8 and 9 take rank 10's 0.216. At α = 0.05 the first two are discoveries.
        double[] p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];

        var q = BenjaminiHochberg.QValues(p);

        AssertClose([0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.74 / 7, 0.216, 0.216, 0.216], q);
        Assert.Equal(2, q.Count(x => x <= 0.05));
    }

    [Fact]
    public void Tied_p_values_share_a_q_value_and_p_values_of_one_stay_one()
    {
        var q = BenjaminiHochberg.QValues([0.02, 0.02, 1, 0.02]);

        // m·p/r at ranks 1–3: 0.08, 0.04, 0.0267 → all three take 0.0267.
        AssertClose([0.08 / 3, 0.08 / 3, 1, 0.08 / 3], q);
    }

    [Fact]
    public void The_smallest_p_values_of_a_family_give_the_q_values_of_the_whole_up_to_the_level()
    {
        double[] whole = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];
        var full = BenjaminiHochberg.QValues(whole);

        // The p-values ≤ 0.05 of the family, shuffled, in a family of 10.
        var part = BenjaminiHochberg.QValues([0.042, 0.001, 0.039, 0.008, 0.041], tests: 10);

        Assert.Equal(full[0], part[1]);
        Assert.Equal(full[1], part[3]);
        Assert.All(part, q => Assert.True(q > 0.05 || full.Contains(q), $"q = {q} ≤ 0.05 but not the whole family's"));
        Assert.All(new[] { part[0], part[2], part[4] }, q => Assert.True(q >= 0.084, $"q = {q} below the whole family's 0.084"));
    }

    [Fact]
    public void Bad_p_values_and_a_family_smaller_than_its_p_values_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BenjaminiHochberg.QValues([0.1, 1.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BenjaminiHochberg.QValues([double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BenjaminiHochberg.QValues([-0.1]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BenjaminiHochberg.QValues([0.1, 0.2], tests: 1));
        Assert.Contains("a family of 1 tests cannot hold 2 p-values", e.Message, StringComparison.Ordinal);
        Assert.Empty(BenjaminiHochberg.QValues([], tests: 5));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-12, $"q[{i}] = {actual[i]:R}, expected {expected[i]:R}");
    }
}
