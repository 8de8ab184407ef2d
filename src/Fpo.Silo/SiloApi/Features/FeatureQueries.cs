using Fpo.Grains.Actors;
using Fpo.Grains.Contracts;
using Fpo.Grains.Stores;
using Fpo.Sae.Statistics;
using Fpo.Silo.Api;
using Microsoft.Extensions.Hosting;
using Orleans;

namespace Fpo.Silo.SiloApi.Features;

/// <summary>
/// Answers the features API from the run's FeatureStats grains (<see cref="FeatureStatsFanOut"/>: every shard of the
/// SAE's latents asked in parallel, the answers merged): a snapshot's table sorted and filtered, one latent's page (time
/// series, histograms, contexts with per-token activations and texts, logit lens, explanation, alerts) and the alerts
/// between consecutive snapshots. Which versions have statistics comes from the store's keys. While the process runs no
/// silo (`fpo loop` between runs) the same shards are read in process from the store.
/// </summary>
public sealed class FeatureQueries(IRunView view, TokenTexts texts)
{
    private readonly RunModel _model = view.Model;
    private readonly IRunStores _stores = view.Stores;
    private readonly FeatureStatsFanOut _inProcess = new InProcessFeatureShards(view.Stores.FeatureStats, view.Model.FeatureShardSize).FanOut(view.Model.Latents);

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

    public RunModel Model => _model;

    /// <summary>Versions with policy statistics, ascending.</summary>
    public async Task<IReadOnlyList<long>> VersionsAsync(CancellationToken cancellationToken) =>
        [.. (await _stores.FeatureStats.KeysAsync(cancellationToken).ConfigureAwait(false)).Where(k => k.Side == FeatureSide.Policy).Select(k => k.SnapshotVersion).Distinct().Order()];

    /// <summary>The version asked for, or the newest with policy statistics; null when there is none.</summary>
    public async Task<long?> ResolveAsync(long? version, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(cancellationToken).ConfigureAwait(false);
        if (version is { } v) return versions.Contains(v) ? v : null;
        return versions.Count == 0 ? null : versions[^1];
    }

    /// <summary>The drift table of <paramref name="version"/>; <see cref="KeyNotFoundException"/> when it has no statistics.</summary>
    public Task<SnapshotFeatures> SnapshotAsync(long version, CancellationToken cancellationToken) =>
        Shards().SnapshotAsync(version, _model.DriftTopK).WaitAsync(cancellationToken);

    /// <summary>
    /// The run's FeatureStats grains through the silo in this process, or in process while there is none or it is
    /// stopping (`fpo loop` stops its silo when a run ends; the API still answers until the next one).
    /// </summary>
    private FeatureStatsFanOut Shards() => view.SiloServices is { } silo && silo.GetService<IGrainFactory>() is { } grains
        && silo.GetService<IHostApplicationLifetime>() is not { ApplicationStopping.IsCancellationRequested: true }
        ? FeatureStatsFanOut.Of(grains, _stores.RunId, _model.Latents, _model.FeatureShardSize)
        : _inProcess;

    /// <summary>Rows sorted by <paramref name="sort"/> (a key of <see cref="SortKeys"/>) then latent, filtered by a minimum policy or reference frequency, paged.</summary>
    public static IReadOnlyList<LatentDrift> Page(SnapshotFeatures features, string sort, bool ascending, double minFrequency, int offset, int limit)
    {
        var key = SortKeys[sort];
        var rows = features.Latents.Where(r => Math.Max(r.PolicyFrequency, r.ReferenceFrequency) >= minFrequency);
        rows = ascending ? rows.OrderBy(key).ThenBy(r => r.Latent) : rows.OrderByDescending(key).ThenBy(r => r.Latent);
        return [.. rows.Skip(offset).Take(limit)];
    }

    public async Task<LatentPage> LatentAsync(int latent, long version, int contexts, int lensTokens, FeatureAlertSettings alerts, CancellationToken cancellationToken)
    {
        var shards = Shards();
        var versions = await VersionsAsync(cancellationToken).ConfigureAwait(false);
        var tables = await Task.WhenAll(versions.Select(v => shards.SnapshotAsync(v, _model.DriftTopK))).WaitAsync(cancellationToken).ConfigureAwait(false);
        var table = tables.FirstOrDefault(t => t.Version == version) ?? await SnapshotAsync(version, cancellationToken).ConfigureAwait(false);
        var row = table.Latents.FirstOrDefault(r => r.Latent == latent) ?? new LatentDrift(latent, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, false);
        var series = tables.Select(d => (d, r: d.Latents.FirstOrDefault(x => x.Latent == latent)))
            .Select(x => new LatentPoint(x.d.Version, x.r?.PolicyFrequency ?? 0, x.r?.ReferenceFrequency ?? 0, x.r?.PolicyMean ?? 0, x.r?.ReferenceMean ?? 0,
                x.r?.DriftContribution ?? 0, x.d.PolicyTokens, x.d.ReferenceTokens)).ToList();
        var (policy, reference) = await shards.LatentAsync(version, latent).WaitAsync(cancellationToken).ConfigureAwait(false);
        var edges = Enumerable.Range(0, ActivationHistogram.Bins).Select(b => (double)ActivationHistogram.LowerEdge(b)).ToArray();
        var explanation = _model.Explanations.TryGetValue(latent, out var e) ? new LatentExplanation(e.Explanation, e.Score, e.NoScoreReason, e.Model, e.Date) : null;
        LensTokens? lens = null;
        if (_model.Lens is { } l)
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
    public async Task<IReadOnlyList<FeatureAlert>> AlertsAsync(FeatureAlertSettings settings, CancellationToken cancellationToken)
    {
        var shards = Shards();
        var versions = await VersionsAsync(cancellationToken).ConfigureAwait(false);
        var pairs = await Task.WhenAll(Enumerable.Range(1, Math.Max(0, versions.Count - 1))
            .Select(i => shards.AlertsAsync(versions[i - 1], versions[i], settings))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. pairs.Reverse().SelectMany(a => a)];
    }

    private static long[] Bins(FeatureStatistics? stats, int latent) => stats?[latent] is { } s ? s.Histogram.ToArray() : new long[ActivationHistogram.Bins];

    private IReadOnlyList<LatentContext> Contexts(FeatureStatistics? stats, int latent, int count) => stats?[latent] is not { } s ? []
        : [.. s.TopContexts.Take(count).Select(c => new LatentContext(c.Activation, c.SourceId, c.Position, c.WindowStart,
            [.. c.TokenIds.Select((t, i) => new ContextToken(t, texts.Text(t), c.Activations[i]))]))];
}

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
