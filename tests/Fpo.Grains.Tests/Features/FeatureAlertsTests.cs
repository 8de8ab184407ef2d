using System.Globalization;
using Fpo.Grains.Contracts;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Features;

/// <summary>
/// <see cref="FeatureAlerts"/> on synthetic statistics of the default SAE's 256 latents at frequencies from 0.1% to 20%
/// over 3,000 tokens a snapshot (what a default run's snapshot folds): two samples of one distribution raise no alert
/// at the default settings, a 3× change of one latent at 2% raises that latent's alert alone, and a change that a huge
/// sample makes significant but that stays below the factor raises none.
/// </summary>
public sealed class FeatureAlertsTests(ITestOutputHelper output)
{
    private const int Latents = 256, Tokens = 3000;
    private static readonly double[] Frequencies = SyntheticStatistics.LogSpread(Latents, 0.001, 0.2);

    [Fact]
    public void Two_samples_of_one_distribution_raise_no_alert_though_some_raw_p_values_are_small()
    {
        int tests = 0, nominal = 0;
        for (var seed = 1; seed <= 8; seed++)
        {
            var before = SyntheticStatistics.Sample(Frequencies, Tokens, 2 * seed);
            var after = SyntheticStatistics.Sample(Frequencies, Tokens, 2 * seed + 1);

            var alerts = FeatureAlerts.Between(1, before, 2, after, FeatureAlertSettings.Default);

            var p = PValues(before, after);
            var q = BenjaminiHochberg.QValues(p);
            tests += p.Length;
            nominal += p.Count(x => x <= 0.05);
            output.WriteLine(Line($"seed {seed}: {p.Length} latents tested, {p.Count(x => x <= 0.05)} with p ≤ 0.05, smallest p {p.Min():G3}, smallest q {q.Min():G3}, alerts {alerts.Count}"));
            Assert.True(alerts.Count == 0, $"seed {seed}: noise alerted: " + string.Join("; ", alerts.Select(Describe)));
        }
        // The z-test is calibrated: about 5% of the tests of unchanged latents have p ≤ 0.05; BH is what keeps them quiet.
        Assert.InRange((double)nominal / tests, 0.025, 0.08);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    public void A_planted_threefold_change_of_one_latent_at_2_percent_alerts_for_that_latent_alone(int seed, bool rise)
    {
        var planted = Enumerable.Range(0, Latents).MinBy(j => Math.Abs(Frequencies[j] - 0.02));
        var tripled = Frequencies.ToArray();
        tripled[planted] *= 3;
        var unchanged = SyntheticStatistics.Sample(Frequencies, Tokens, 100 + seed);
        var changed = SyntheticStatistics.Sample(tripled, Tokens, 200 + seed);
        var (before, after) = rise ? (unchanged, changed) : (changed, unchanged);

        var alerts = FeatureAlerts.Between(7, before, 8, after, FeatureAlertSettings.Default);

        var p = PValues(before, after);
        var q = BenjaminiHochberg.QValues(p);
        var runnerUp = Enumerable.Range(0, p.Length).OrderBy(i => q[i]).Skip(1).First();
        foreach (var a in alerts) output.WriteLine(Line($"seed {seed}: {Describe(a)}"));
        output.WriteLine(Line($"seed {seed}: next smallest of the {p.Length} tests: p {p[runnerUp]:G3}, q {q[runnerUp]:G3}"));
        var alert = Assert.Single(alerts);
        Assert.Equal(planted, alert.Latent);
        Assert.Equal(rise ? "rose" : "fell", alert.Direction);
        Assert.InRange(rise ? alert.Ratio : 1 / alert.Ratio, 2, 4.5);
        Assert.True(alert.PValue < 1e-6 && alert.PValue <= alert.QValue && alert.QValue <= 0.05, Describe(alert));
        Assert.Equal((7L, 8L, (long)Tokens, (long)Tokens), (alert.FromVersion, alert.ToVersion, alert.FromTokens, alert.ToTokens));
        Assert.Equal((before[planted]!.Count, after[planted]!.Count), (alert.FromCount, alert.ToCount));
        Assert.Equal((double)alert.ToCount / Tokens, alert.ToFrequency);
    }

    [Fact]
    public void A_change_that_a_huge_sample_makes_significant_alerts_only_beyond_the_factor()
    {
        // 200,000 tokens: latent 0 goes 10% → 11% (×1.1), latent 1 0.5% → 1.5% (×1.5 over the 1% floor), latent 2 1% → 3% (×3).
        const int tokens = 200_000;
        var before = SyntheticStatistics.WithCounts(4, tokens, new Dictionary<int, int> { [0] = 20_000, [1] = 1_000, [2] = 2_000, [3] = 500 });
        var after = SyntheticStatistics.WithCounts(4, tokens, new Dictionary<int, int> { [0] = 22_000, [1] = 3_000, [2] = 6_000, [3] = 500 });

        var alerts = FeatureAlerts.Between(1, before, 2, after, FeatureAlertSettings.Default);
        var tests = FeatureAlerts.Shard(before, after, FeatureAlertSettings.DefaultFalseDiscoveryRate);

        Assert.Equal(4, tests.Tested);
        Assert.Equal([0, 1, 2], tests.Candidates.Select(t => t.Latent));
        Assert.All(tests.Candidates, t => Assert.True(t.PValue < 1e-10, $"latent {t.Latent}: p {t.PValue}"));
        Assert.Equal(2, Assert.Single(alerts).Latent);
        Assert.Equal(3, alerts[0].Ratio, 1e-12);
    }

    [Fact]
    public void Snapshots_with_fewer_tokens_than_the_minimum_or_none_are_not_compared()
    {
        var before = SyntheticStatistics.WithCounts(4, 100, new Dictionary<int, int> { [0] = 5 });
        var after = SyntheticStatistics.WithCounts(4, 100, new Dictionary<int, int> { [0] = 60 });

        Assert.Single(FeatureAlerts.Between(1, before, 2, after, FeatureAlertSettings.Default with { MinTokens = 100 }));
        Assert.Empty(FeatureAlerts.Between(1, before, 2, after, FeatureAlertSettings.Default with { MinTokens = 101 }));
        Assert.Empty(FeatureAlerts.Between(1, null, 2, after, FeatureAlertSettings.Default));
        Assert.Empty(FeatureAlerts.Between(1, before, 2, new FeatureStatistics(4, 0, 0), FeatureAlertSettings.Default with { MinTokens = 0 }));
    }

    [Theory]
    [InlineData(2, 0.01, 0.0, "rate")]
    [InlineData(2, 0.01, 1.0, "rate")]
    [InlineData(2, 0.01, double.NaN, "rate")]
    [InlineData(1, 0.01, 0.05, "Factor")]
    [InlineData(double.PositiveInfinity, 0.01, 0.05, "Factor")]
    [InlineData(2, 0.0, 0.05, "MinFrequency")]
    [InlineData(2, 1.5, 0.05, "MinFrequency")]
    public void Settings_out_of_range_are_refused_naming_the_setting(double factor, double minFrequency, double rate, string parameter)
    {
        var stats = SyntheticStatistics.WithCounts(4, 100, new Dictionary<int, int> { [0] = 5 });

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FeatureAlerts.Between(1, stats, 2, stats, new FeatureAlertSettings(factor, minFrequency, rate, 0)));

        Assert.Equal(parameter, e.ParamName);
        if (parameter == "rate")
        {
            Assert.Contains("the false discovery rate of the alerts must be in (0, 1)", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => FeatureAlerts.Shard(stats, stats, rate));
        }
    }

    // The p-values of every latent active in either sample, the family the alerts test.
    private static double[] PValues(FeatureStatistics before, FeatureStatistics after) =>
        [.. before.ActiveLatents.Union(after.ActiveLatents).Select(j => TwoProportionTest.PValue(Count(before, j), before.TotalTokens, Count(after, j), after.TotalTokens))];

    private static long Count(FeatureStatistics stats, int latent) => stats[latent]?.Count ?? 0;

    private static string Describe(FeatureAlert a) =>
        Line($"latent {a.Latent} {a.Direction} ×{a.Ratio:F2} ({a.FromCount}/{a.FromTokens} = {a.FromFrequency:P2} → {a.ToCount}/{a.ToTokens} = {a.ToFrequency:P2}), p {a.PValue:G3}, q {a.QValue:G3}");

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
