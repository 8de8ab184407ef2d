namespace Fpo.Grains.Contracts;

/// <summary>
/// The pooled two-proportion z-test: did an event's frequency change between two samples, given how many trials each
/// had? With n₁ of N₁ and n₂ of N₂ and the pooled frequency p̂ = (n₁ + n₂)/(N₁ + N₂),
/// <code>
/// z = (n₂/N₂ − n₁/N₁) / √(p̂ (1 − p̂) (1/N₁ + 1/N₂))
/// </code>
/// is about standard normal when the frequency did not change, so the two-sided p-value is P(|Z| ≥ |z|). The normal
/// approximation wants a handful of events on each side (p̂·N ≳ 5); below that it errs either way, which is why
/// <see cref="FeatureAlerts"/> also asks for an effect above a frequency floor. When p̂ is 0 or 1 the frequencies are
/// equal (0 or 1 on both sides), z is 0 and p is 1.
/// </summary>
public static class TwoProportionTest
{
    /// <summary>The z statistic of <paramref name="count2"/>/<paramref name="total2"/> against <paramref name="count1"/>/<paramref name="total1"/> (positive when the frequency rose).</summary>
    public static double Z(long count1, long total1, long count2, long total2)
    {
        Check(count1, total1, nameof(count1));
        Check(count2, total2, nameof(count2));
        var pooled = (double)(count1 + count2) / (total1 + total2);
        var variance = pooled * (1 - pooled) * (1.0 / total1 + 1.0 / total2);
        return variance > 0 ? ((double)count2 / total2 - (double)count1 / total1) / Math.Sqrt(variance) : 0;
    }

    /// <summary>The two-sided p-value of <see cref="Z"/>.</summary>
    public static double PValue(long count1, long total1, long count2, long total2) => NormalDistribution.TwoSidedP(Z(count1, total1, count2, total2));

    private static void Check(long count, long total, string name)
    {
        if (total < 1) throw new ArgumentOutOfRangeException(name, total, "a sample needs at least one trial");
        if (count < 0 || count > total) throw new ArgumentOutOfRangeException(name, count, $"events must be in [0, {total}], the trials of the sample");
    }
}
