using Fpo.Sae.Statistics;
using Orleans;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Latents whose activation frequency on the policy's responses moved by more than a factor between two consecutive
/// snapshots with statistics — the early sign of reward hacking (the policy starts, or stops, using a feature the judge
/// rewards). Frequencies below the floor count as the floor: <c>ratio = max(f_new, floor) / max(f_old, floor)</c>,
/// so a latent rarer than the floor on both sides never alerts, and one that appears from nothing alerts only once it
/// reaches factor × floor. An alert fires when ratio ≥ factor or ratio ≤ 1/factor.
/// </summary>
public static class FeatureAlerts
{
    public static IReadOnlyList<FeatureAlert> Between(long fromVersion, FeatureStatistics from, long toVersion, FeatureStatistics to, double factor, double minFrequency)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (!(factor > 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "the alert factor must be above 1");
        if (!(minFrequency > 0 && minFrequency <= 1)) throw new ArgumentOutOfRangeException(nameof(minFrequency), minFrequency, "the frequency floor must be in (0, 1]");
        var alerts = new List<FeatureAlert>();
        foreach (var j in from.ActiveLatents.Union(to.ActiveLatents).Order())
        {
            var before = FeatureDrift.Of(from, j).Frequency;
            var after = FeatureDrift.Of(to, j).Frequency;
            var ratio = Math.Max(after, minFrequency) / Math.Max(before, minFrequency);
            if (ratio >= factor || ratio <= 1 / factor) alerts.Add(new FeatureAlert(j, fromVersion, toVersion, before, after, ratio, ratio > 1 ? "rose" : "fell"));
        }
        return Ranked(alerts);
    }

    /// <summary>Largest move first (|log ratio|), ties to the lower latent: the order of <see cref="Between"/>, also of the shards' alerts merged.</summary>
    public static IReadOnlyList<FeatureAlert> Ranked(IEnumerable<FeatureAlert> alerts) => [.. alerts.OrderByDescending(a => Math.Abs(Math.Log(a.Ratio))).ThenBy(a => a.Latent)];
}

/// <summary>Latent <see cref="Latent"/>'s frequency went from <see cref="FromFrequency"/> at one snapshot to <see cref="ToFrequency"/> at the next.</summary>
[GenerateSerializer, Immutable, Alias("fpo.FeatureAlert")]
public sealed record FeatureAlert([property: Id(0)] int Latent, [property: Id(1)] long FromVersion, [property: Id(2)] long ToVersion,
    [property: Id(3)] double FromFrequency, [property: Id(4)] double ToFrequency, [property: Id(5)] double Ratio, [property: Id(6)] string Direction);
