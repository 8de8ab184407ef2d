using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Sae.Statistics;
using Fpo.Silo.Api;

namespace Fpo.Silo.SiloApi.Features;

/// <summary>
/// Answers the features API from the backbone's statistics store: a snapshot's table sorted and filtered, one latent's
/// page (time series, histograms, contexts with per-token activations and texts, logit lens, explanation, alerts) and
/// the alerts between consecutive snapshots.
/// </summary>
public sealed class FeatureQueries(IBackbone backbone, RunModel model, TokenTexts texts)
{
    /// <summary>The sort keys of the table, each by the value it names (descending unless asked otherwise).</summary>
    public static readonly IReadOnlyDictionary<string, Func<LatentDrift, double>> SortKeys = new Dictionary<string, Func<LatentDrift, double>>(StringComparer.Ordinal)
    {
        ["latent"] = r => r.Latent,
        ["frequency"] = r => r.PolicyFrequency,
        ["reference_frequency"] = r => r.ReferenceFrequency,
        ["mean"] = r => r.PolicyMean,
        ["reference_mean"] = r => r.ReferenceMean,
        ["drift"] = r => r.DriftContribution,
        ["ratio"] = r => r.FrequencyRatio,
        ["log_ratio"] = r => Math.Abs(Math.Log(r.FrequencyRatio)),
        ["mean_difference"] = r => Math.Abs(r.MeanDifference),
    };

    public RunModel Model => model;

    /// <summary>Versions with policy statistics, ascending.</summary>
    public async Task<IReadOnlyList<long>> VersionsAsync(CancellationToken cancellationToken) =>
        [.. (await backbone.FeatureStats.KeysAsync(cancellationToken).ConfigureAwait(false)).Where(k => k.Side == FeatureSide.Policy).Select(k => k.SnapshotVersion).Distinct().Order()];

    /// <summary>The version asked for, or the newest with policy statistics; null when there is none.</summary>
    public async Task<long?> ResolveAsync(long? version, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(cancellationToken).ConfigureAwait(false);
        if (version is { } v) return versions.Contains(v) ? v : null;
        return versions.Count == 0 ? null : versions[^1];
    }

    public async Task<SnapshotFeatures> SnapshotAsync(long version, CancellationToken cancellationToken)
    {
        var (policy, reference) = await SidesAsync(version, cancellationToken).ConfigureAwait(false);
        return FeatureDrift.Compute(version, policy, reference, model.DriftTopK);
    }

    /// <summary>Rows sorted by <paramref name="sort"/> (a key of <see cref="SortKeys"/>) then latent, filtered by a minimum policy or reference frequency, paged.</summary>
    public static IReadOnlyList<LatentDrift> Page(SnapshotFeatures features, string sort, bool ascending, double minFrequency, int offset, int limit)
    {
        var key = SortKeys[sort];
        var rows = features.Latents.Where(r => Math.Max(r.PolicyFrequency, r.ReferenceFrequency) >= minFrequency);
        rows = ascending ? rows.OrderBy(key).ThenBy(r => r.Latent) : rows.OrderByDescending(key).ThenBy(r => r.Latent);
        return [.. rows.Skip(offset).Take(limit)];
    }

    public async Task<LatentPage> LatentAsync(int latent, long version, int contexts, int lensTokens, AlertSettings alerts, CancellationToken cancellationToken)
    {
        var (policy, reference) = await SidesAsync(version, cancellationToken).ConfigureAwait(false);
        var row = FeatureDrift.Compute(version, policy, reference, model.DriftTopK).Latents.FirstOrDefault(r => r.Latent == latent)
            ?? new LatentDrift(latent, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, false);
        var series = new List<LatentPoint>();
        foreach (var v in await VersionsAsync(cancellationToken).ConfigureAwait(false))
        {
            var (p, r) = await SidesAsync(v, cancellationToken).ConfigureAwait(false);
            var d = FeatureDrift.Compute(v, p, r, model.DriftTopK);
            var at = d.Latents.FirstOrDefault(x => x.Latent == latent);
            series.Add(new LatentPoint(v, at?.PolicyFrequency ?? 0, at?.ReferenceFrequency ?? 0, at?.PolicyMean ?? 0, at?.ReferenceMean ?? 0, at?.DriftContribution ?? 0, d.PolicyTokens, d.ReferenceTokens));
        }
        var edges = Enumerable.Range(0, ActivationHistogram.Bins).Select(b => (double)ActivationHistogram.LowerEdge(b)).ToArray();
        var explanation = model.Explanations.TryGetValue(latent, out var e) ? new LatentExplanation(e.Explanation, e.Score, e.NoScoreReason, e.Model, e.Date) : null;
        LensTokens? lens = null;
        if (model.Lens is { } l)
        {
            var (promoted, suppressed) = l.Top(latent, lensTokens);
            lens = new LensTokens([.. promoted.Select(t => new LensToken(t.Token, texts.Text(t.Token), t.Logit))],
                [.. suppressed.Select(t => new LensToken(t.Token, texts.Text(t.Token), t.Logit))]);
        }
        return new LatentPage(latent, version, row, series, new LatentHistogram(edges, Bins(policy, latent), Bins(reference, latent)),
            Contexts(policy, latent, contexts), Contexts(reference, latent, contexts), lens, explanation,
            [.. (await AlertsAsync(alerts, cancellationToken).ConfigureAwait(false)).Where(a => a.Latent == latent)]);
    }

    /// <summary>Alerts between every pair of consecutive versions with policy statistics, newest pair first.</summary>
    public async Task<IReadOnlyList<FeatureAlert>> AlertsAsync(AlertSettings settings, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(cancellationToken).ConfigureAwait(false);
        var alerts = new List<FeatureAlert>();
        FeatureStatistics? previous = null;
        for (var i = 0; i < versions.Count; i++)
        {
            var current = await backbone.FeatureStats.GetAsync(new FeatureStatsKey(versions[i], FeatureSide.Policy), cancellationToken).ConfigureAwait(false);
            if (previous is not null && current is not null && previous.TotalTokens >= settings.MinTokens && current.TotalTokens >= settings.MinTokens)
                alerts.InsertRange(0, FeatureAlerts.Between(versions[i - 1], previous, versions[i], current, settings.Factor, settings.MinFrequency));
            previous = current;
        }
        return alerts;
    }

    private async Task<(FeatureStatistics? Policy, FeatureStatistics? Reference)> SidesAsync(long version, CancellationToken cancellationToken) =>
        (await backbone.FeatureStats.GetAsync(new FeatureStatsKey(version, FeatureSide.Policy), cancellationToken).ConfigureAwait(false),
         await backbone.FeatureStats.GetAsync(new FeatureStatsKey(version, FeatureSide.Reference), cancellationToken).ConfigureAwait(false));

    private static long[] Bins(FeatureStatistics? stats, int latent) => stats?[latent] is { } s ? s.Histogram.ToArray() : new long[ActivationHistogram.Bins];

    private IReadOnlyList<LatentContext> Contexts(FeatureStatistics? stats, int latent, int count) => stats?[latent] is not { } s ? []
        : [.. s.TopContexts.Take(count).Select(c => new LatentContext(c.Activation, c.SourceId, c.Position, c.WindowStart,
            [.. c.TokenIds.Select((t, i) => new ContextToken(t, texts.Text(t), c.Activations[i]))]))];
}

/// <summary>When alerts fire: the factor, the frequency floor, and the fewest tokens a snapshot's statistics need before they are compared.</summary>
public sealed record AlertSettings(double Factor, double MinFrequency, long MinTokens);

public sealed record LatentPage(int Latent, long Version, LatentDrift Drift, IReadOnlyList<LatentPoint> Series, LatentHistogram Histogram,
    IReadOnlyList<LatentContext> PolicyContexts, IReadOnlyList<LatentContext> ReferenceContexts, LensTokens? LogitLens, LatentExplanation? Explanation,
    IReadOnlyList<FeatureAlert> Alerts);

public sealed record LatentPoint(long Version, double PolicyFrequency, double ReferenceFrequency, double PolicyMean, double ReferenceMean, double DriftContribution,
    long PolicyTokens, long ReferenceTokens);

/// <summary>Counts per bin of <see cref="Fpo.Sae.Statistics.ActivationHistogram"/>; <see cref="LowerEdges"/>[b] is bin b's smallest activation.</summary>
public sealed record LatentHistogram(IReadOnlyList<double> LowerEdges, IReadOnlyList<long> Policy, IReadOnlyList<long> Reference);

public sealed record LatentContext(float Activation, long SourceId, int Position, int WindowStart, IReadOnlyList<ContextToken> Tokens);

public sealed record ContextToken(int Id, string Text, float Activation);

public sealed record LensTokens(IReadOnlyList<LensToken> Promoted, IReadOnlyList<LensToken> Suppressed);

public sealed record LensToken(int Id, string Text, float Logit);

public sealed record LatentExplanation(string Text, double? Score, string? NoScoreReason, string Model, DateTimeOffset Date);
