using Fpo.Sae.Statistics;
using Orleans;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Latents whose activation frequency on the policy's responses changed between two consecutive snapshots with
/// statistics — the early sign of reward hacking (the policy starts, or stops, using a feature the judge rewards) — as
/// far as the tokens behind the two frequencies can tell it from sampling noise. With N₁, N₂ the tokens of the two
/// snapshots' statistics and n₁, n₂ the tokens on which latent j was active, an alert fires when both hold:
/// <list type="bullet">
/// <item><b>significant</b>: the two-sided p-value of the pooled two-proportion z-test of n₁/N₁ against n₂/N₂
/// (<see cref="TwoProportionTest"/>) has a Benjamini–Hochberg q-value ≤ the false discovery rate
/// (<see cref="BenjaminiHochberg"/>), over the family of every latent active in either snapshot;</item>
/// <item><b>large</b>: with frequencies below the floor counted as the floor, <c>ratio = max(f₂, floor) / max(f₁, floor)</c>
/// is ≥ factor or ≤ 1/factor, so a latent rarer than the floor on both sides never alerts, one that appears from
/// nothing alerts only once it reaches factor × floor, and a tiny change made significant by a huge sample does not
/// alert either.</item>
/// </list>
/// <para>
/// <b>The family.</b> Latents active in neither snapshot are left out: 0 of N₁ against 0 of N₂ is no evidence (p = 1),
/// and counting them would only make every test stricter as the SAE widens. Every other latent is in, including those
/// whose change is too small to alert: BH's guarantee holds for a family chosen before looking at the changes, and the
/// effect size depends on how n₁ + n₂ splits between the snapshots — the very thing tested — whereas whether
/// n₁ + n₂ &gt; 0 does not. The q-values are therefore those of all m latents tested, and the factor filters after.
/// </para>
/// <para>
/// <b>Sharded</b> (<see cref="IFeatureStatsGrain"/>): each shard tests its own latents (<see cref="Shard"/>) and
/// returns how many it tested and the tests with p ≤ the rate; <see cref="Combine"/> applies BH once over the union
/// with m the count over all shards. A test with p above the rate cannot reach q ≤ the rate nor lower another's below
/// it, so the alerts and their q-values come out exactly as <see cref="Between"/> over the whole statistics.
/// </para>
/// <para>
/// The z-test treats tokens as independent draws; tokens of one response are not (a latent that fires on a topic fires
/// on its neighbours), so the p-values are optimistic by roughly the length of such runs. The factor is the guard
/// against what that lets through.
/// </para>
/// </summary>
public static class FeatureAlerts
{
    /// <summary>The alerts between the policy statistics <paramref name="from"/> and <paramref name="to"/>, largest move first.</summary>
    public static IReadOnlyList<FeatureAlert> Between(long fromVersion, FeatureStatistics? from, long toVersion, FeatureStatistics? to, FeatureAlertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Combine(fromVersion, toVersion, settings, [Shard(from, to, settings.FalseDiscoveryRate)]);
    }

    /// <summary>
    /// The tests of the latents active in <paramref name="from"/> or <paramref name="to"/> (a shard's slices, or the
    /// whole): how many, and those with p ≤ <paramref name="falseDiscoveryRate"/>. No test when a side is missing or empty.
    /// </summary>
    public static FeatureShardTests Shard(FeatureStatistics? from, FeatureStatistics? to, double falseDiscoveryRate)
    {
        FeatureAlertSettings.CheckFalseDiscoveryRate(falseDiscoveryRate);
        if (from is not { TotalTokens: > 0 } || to is not { TotalTokens: > 0 }) return new(from?.TotalTokens ?? 0, to?.TotalTokens ?? 0, 0, []);
        var tested = 0;
        var candidates = new List<LatentFrequencyTest>();
        foreach (var j in from.ActiveLatents.Union(to.ActiveLatents).Order())
        {
            tested++;
            var before = FeatureDrift.Of(from, j).Count;
            var after = FeatureDrift.Of(to, j).Count;
            var p = TwoProportionTest.PValue(before, from.TotalTokens, after, to.TotalTokens);
            if (p <= falseDiscoveryRate) candidates.Add(new LatentFrequencyTest(j, before, after, p));
        }
        return new FeatureShardTests(from.TotalTokens, to.TotalTokens, tested, candidates);
    }

    /// <summary>
    /// The alerts from the shards' tests (shard 0 first): BH over all of them as one family, then the factor; none when
    /// either snapshot has fewer than the settings' minimum tokens.
    /// </summary>
    public static IReadOnlyList<FeatureAlert> Combine(long fromVersion, long toVersion, FeatureAlertSettings settings, IReadOnlyList<FeatureShardTests> shards)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(shards);
        settings.Validate();
        if (shards.Select(s => (s.FromTokens, s.ToTokens)).Distinct().Count() > 1)
            throw new ArgumentException($"the shards compared snapshots {fromVersion} and {toVersion} over different token totals: " +
                string.Join(", ", shards.Select(s => $"{s.FromTokens}/{s.ToTokens}")), nameof(shards));
        if (shards.Count == 0) return [];
        var (fromTokens, toTokens) = (shards[0].FromTokens, shards[0].ToTokens);
        var minTokens = Math.Max(1, settings.MinTokens);
        if (fromTokens < minTokens || toTokens < minTokens) return [];
        var tests = shards.SelectMany(s => s.Candidates).ToArray();
        var q = BenjaminiHochberg.QValues([.. tests.Select(t => t.PValue)], shards.Sum(s => (long)s.Tested));
        var alerts = new List<FeatureAlert>();
        for (var i = 0; i < tests.Length; i++)
        {
            if (q[i] > settings.FalseDiscoveryRate) continue;
            var t = tests[i];
            double before = (double)t.FromCount / fromTokens, after = (double)t.ToCount / toTokens;
            var ratio = Math.Max(after, settings.MinFrequency) / Math.Max(before, settings.MinFrequency);
            if (ratio >= settings.Factor || ratio <= 1 / settings.Factor)
                alerts.Add(new FeatureAlert(t.Latent, fromVersion, toVersion, before, after, ratio, ratio > 1 ? "rose" : "fell", t.PValue, q[i], fromTokens, toTokens, t.FromCount, t.ToCount));
        }
        return [.. alerts.OrderByDescending(a => Math.Abs(Math.Log(a.Ratio))).ThenBy(a => a.Latent)];
    }
}

/// <summary>
/// Latent <see cref="Latent"/>'s frequency went from <see cref="FromFrequency"/> at one snapshot to
/// <see cref="ToFrequency"/> at the next (<see cref="FromCount"/> of <see cref="FromTokens"/> tokens active, then
/// <see cref="ToCount"/> of <see cref="ToTokens"/>): <see cref="Ratio"/> of the floored frequencies, the z-test's
/// <see cref="PValue"/> and its Benjamini–Hochberg <see cref="QValue"/> over the latents tested.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.FeatureAlert")]
public sealed record FeatureAlert([property: Id(0)] int Latent, [property: Id(1)] long FromVersion, [property: Id(2)] long ToVersion,
    [property: Id(3)] double FromFrequency, [property: Id(4)] double ToFrequency, [property: Id(5)] double Ratio, [property: Id(6)] string Direction,
    [property: Id(7)] double PValue, [property: Id(8)] double QValue, [property: Id(9)] long FromTokens, [property: Id(10)] long ToTokens,
    [property: Id(11)] long FromCount, [property: Id(12)] long ToCount);

/// <summary>
/// One shard's part of <see cref="FeatureAlerts"/> between two snapshots: the token totals of both (the same in every
/// shard), how many of its latents it tested (active in either) and the candidates: the tests whose p-value is at most
/// the rate asked, the only ones that can reach a q-value that low.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.FeatureShardTests")]
public sealed record FeatureShardTests(
    [property: Id(0)] long FromTokens,
    [property: Id(1)] long ToTokens,
    [property: Id(2)] int Tested,
    [property: Id(3)] IReadOnlyList<LatentFrequencyTest> Candidates);

/// <summary>Latent <see cref="Latent"/> was active on <see cref="FromCount"/> tokens, then on <see cref="ToCount"/>: the two-sided p-value of the change.</summary>
[GenerateSerializer, Immutable, Alias("fpo.LatentFrequencyTest")]
public sealed record LatentFrequencyTest([property: Id(0)] int Latent, [property: Id(1)] long FromCount, [property: Id(2)] long ToCount, [property: Id(3)] double PValue);
