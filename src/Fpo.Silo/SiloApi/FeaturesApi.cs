using System.Globalization;
using Fpo.Grains.Contracts;
using Fpo.Silo.SiloApi.Features;

namespace Fpo.Silo.SiloApi;

/// <summary>Live SAE feature statistics per snapshot: the table, one latent's page, the per-snapshot summary and the alerts.</summary>
public static class FeaturesApi
{
    public const int MaxLimit = 1000;
    public const int MaxContexts = 64;
    public const int MaxLensTokens = 100;

    public const string DriftDefinition =
        "Per latent j and snapshot, with N the response tokens a side has seen, n_j the tokens where j was active and S_j the sum of its activations: " +
        "frequency f_j = n_j/N; mean c_j = S_j/N (inactive tokens count 0); frequency ratio = (f_j(policy)+1e-4)/(f_j(reference)+1e-4); " +
        "mean difference = c_j(policy) - c_j(reference); I_k = topk(c(policy)) ∪ topk(c(reference)) over latents with c > 0 (k = the run's drift k); " +
        "contribution to D_fpo = (c_j(policy) - c_j(reference))^2 / |I_k| for j in I_k, else 0; drift D_fpo = the sum of the contributions. " +
        "This is the FPO loss's D_fpo with the activations pooled over every response token of the snapshot instead of per response. " +
        "The policy side is what the rollout grains folded from the snapshot's responses, the reference side what the reference grain folded from the same responses.";

    public static void Map(WebApplication app)
    {
        app.MapGet("/api/features", async (HttpRequest request, FeatureQueries queries, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request, "version", "sort", "order", "limit", "offset", "min_frequency");
            var sort = Problems.Choice(request, "sort", "drift", FeatureQueries.SortKeys.Keys);
            var ascending = Problems.Choice(request, "order", "desc", ["asc", "desc"]) == "asc";
            var limit = Problems.Int(request, "limit", 50, 1, MaxLimit);
            var offset = Problems.Int(request, "offset", 0, 0, int.MaxValue);
            var minFrequency = Problems.Number(request, "min_frequency", 0, 0, 1);
            var version = await VersionAsync(request, queries, ct);
            var features = await queries.SnapshotAsync(version, ct);
            var rows = FeatureQueries.Page(features, sort, ascending, minFrequency, offset, limit);
            var explanations = queries.Model.Explanations;
            return TypedResults.Ok(new FeatureTable(features.Version, features.PolicyTokens, features.ReferenceTokens, features.K, features.FeatureSetSize,
                features.Drift, features.Latents.Count, queries.Model.Latents, sort, ascending ? "asc" : "desc",
                [.. rows.Select(r => new FeatureRow(r, explanations.TryGetValue(r.Latent, out var e) ? e.Explanation : null, explanations.TryGetValue(r.Latent, out e) ? e.Score : null))]));
        }).WithSummary("Top latents of a snapshot").WithDescription(
            "The latents active in a snapshot's responses (policy or reference side), sorted by `sort` (" + string.Join(", ", FeatureQueries.SortKeys.Keys) +
            "; default drift = contribution to D_fpo) in `order` (asc|desc, default desc), keeping those with policy or reference frequency ≥ `min_frequency` " +
            $"([0,1], default 0), from `offset` (default 0), at most `limit` (1..{MaxLimit}, default 50); `version` defaults to the newest snapshot with statistics. " + DriftDefinition)
          .Produces<FeatureTable>().ProducesProblem(400).ProducesProblem(404);

        app.MapGet("/api/features/snapshots", async (HttpRequest request, FeatureQueries queries, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            var summary = new List<FeatureSnapshotSummary>();
            foreach (var v in await queries.VersionsAsync(ct))
            {
                var f = await queries.SnapshotAsync(v, ct);
                summary.Add(new FeatureSnapshotSummary(v, f.PolicyTokens, f.ReferenceTokens, f.Latents.Count(r => r.PolicyCount > 0), f.Latents.Count(r => r.ReferenceCount > 0), f.Drift));
            }
            return TypedResults.Ok(summary);
        }).WithSummary("Feature statistics per snapshot").WithDescription("Per snapshot with statistics: tokens per side, active latents per side and the pooled D_fpo. " + DriftDefinition)
          .Produces<IReadOnlyList<FeatureSnapshotSummary>>();

        app.MapGet("/api/features/{latent}", async (string latent, HttpRequest request, FeatureQueries queries, SiloApiOptions options, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request, "version", "contexts", "lens");
            if (queries.Model.Latents == 0) throw ProblemException.NotFound("this run has no SAE, so no feature statistics");
            var j = (int)Problems.Id("latent", latent, queries.Model.Latents - 1);
            var contexts = Problems.Int(request, "contexts", 8, 0, MaxContexts);
            var lens = Problems.Int(request, "lens", 10, 1, MaxLensTokens);
            var version = await VersionAsync(request, queries, ct);
            return TypedResults.Ok(await queries.LatentAsync(j, version, contexts, lens, options.Alerts(), ct));
        }).WithSummary("One latent").WithDescription(
            "Latent `latent` (0..d_sae-1) at snapshot `version` (default the newest with statistics): its drift terms, frequency and mean per snapshot (time series), " +
            $"activation histograms per side (log-spaced bins, lower edges given), its top `contexts` (0..{MaxContexts}, default 8) activating contexts per side with " +
            $"per-token activations, the logit lens (the `lens` (1..{MaxLensTokens}, default 10) tokens its decoder direction most promotes and suppresses through " +
            "the reference's final norm and unembedding: z = W_U (g ⊙ P d_j), P the centring of LayerNorm, identity for RMSNorm; the norm's scale and bias are left out), " +
            "its explanation and score when `fpo sae explain` wrote one, and its alerts. " + DriftDefinition)
          .Produces<LatentPage>().ProducesProblem(400).ProducesProblem(404);

        app.MapGet("/api/alerts", async (HttpRequest request, FeatureQueries queries, SiloApiOptions options, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request, "factor", "min_frequency", "fdr");
            var settings = options.Alerts() with
            {
                Factor = Problems.Number(request, "factor", options.AlertFactor, 1, 1e6, minExclusive: true),
                MinFrequency = Problems.Number(request, "min_frequency", options.AlertMinFrequency, 0, 1, minExclusive: true),
                FalseDiscoveryRate = Problems.Number(request, "fdr", options.AlertFdr, 0, 1, minExclusive: true, maxExclusive: true),
            };
            return TypedResults.Ok(await queries.AlertsAsync(settings, ct));
        }).WithSummary("Frequency alerts").WithDescription(
            "Latents whose activation frequency on the policy's responses changed between consecutive snapshots with statistics, both significantly and by " +
            "more than a factor. With n_old of N_old and n_new of N_new tokens active: the pooled two-proportion z-test gives each latent active in either " +
            "snapshot a two-sided `pValue`; Benjamini–Hochberg over all those latents gives its `qValue`, which must be ≤ `fdr` ((0,1), the false discovery " +
            "rate, default from config); and ratio = max(f_new, floor)/max(f_old, floor) with floor = `min_frequency` ((0,1], default from config) must be " +
            "≥ `factor` or ≤ 1/`factor` (>1, default from config). Each alert gives the frequencies, the active and total tokens of both snapshots, the " +
            "ratio, p and q. Snapshots with fewer than 64 tokens are not compared. Newest pair first, then largest move first.")
          .Produces<IReadOnlyList<FeatureAlert>>().ProducesProblem(400);
    }

    private static async Task<long> VersionAsync(HttpRequest request, FeatureQueries queries, CancellationToken ct)
    {
        var asked = Problems.OptionalId(request, "version");
        return await queries.ResolveAsync(asked, ct) ?? throw ProblemException.NotFound(asked is { } v
            ? string.Create(CultureInfo.InvariantCulture, $"snapshot {v} has no feature statistics")
            : "no snapshot has feature statistics yet");
    }
}

/// <summary>A page of <see cref="FeatureDrift"/> rows: the snapshot's totals, how many rows there are in all, the sort, and the rows.</summary>
public sealed record FeatureTable(long Version, long PolicyTokens, long ReferenceTokens, int K, int FeatureSetSize, double Drift, int Total, int Latents,
    string Sort, string Order, IReadOnlyList<FeatureRow> Rows);

/// <summary>One latent's drift terms and its explanation and score when there is one.</summary>
public sealed record FeatureRow(LatentDrift Drift, string? Explanation, double? Score);

public sealed record FeatureSnapshotSummary(long Version, long PolicyTokens, long ReferenceTokens, int PolicyActive, int ReferenceActive, double Drift);
