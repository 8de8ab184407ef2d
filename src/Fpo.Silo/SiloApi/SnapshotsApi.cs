using System.Globalization;
using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Roles;

namespace Fpo.Silo.SiloApi;

/// <summary>Published snapshots: the list, one snapshot's metadata with its evaluation, and its weights as a download.</summary>
public static class SnapshotsApi
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/snapshots", async (HttpRequest request, IRunView view, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            var evaluations = (await view.EvaluationsAsync(ct)).ToDictionary(e => e.Version);
            var snapshots = await view.Stores.Snapshots.ListAsync(ct);
            return TypedResults.Ok(snapshots.Select(s => Describe(s, evaluations.TryGetValue(s.Version, out var e) ? EvaluationPoint.Of(e) : null)).ToList());
        }).WithSummary("Snapshots").WithDescription("Every published snapshot, oldest first, with its evaluation when there is one.").Produces<IReadOnlyList<SnapshotView>>();

        app.MapGet("/api/snapshots/{version}", async (string version, HttpRequest request, IRunView view, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            var info = await FindAsync(view.Stores, version, ct);
            var evaluation = (await view.EvaluationsAsync(ct)).FirstOrDefault(e => e.Version == info.Version);
            return TypedResults.Ok(Describe(info, evaluation is null ? null : EvaluationPoint.Of(evaluation)));
        }).WithSummary("One snapshot").WithDescription("A snapshot's metadata and evaluation; `version` is a version number or `latest`.")
          .Produces<SnapshotView>().ProducesProblem(400).ProducesProblem(404);

        app.MapGet("/api/snapshots/{version}/download", async (string version, HttpContext http, IRunView view) =>
        {
            Problems.OnlyQuery(http.Request);
            var info = await FindAsync(view.Stores, version, http.RequestAborted);
            var content = await view.Stores.Snapshots.GetAsync(info.Version, http.RequestAborted);
            var weights = content.Files[PolicySnapshot.WeightsFile];
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = weights.LongLength;
            http.Response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture, $"attachment; filename=\"snapshot-{info.Version}-{PolicySnapshot.WeightsFile}\"");
            http.Response.Headers["X-Snapshot-Sha256"] = info.Sha256;
            await http.Response.Body.WriteAsync(weights, http.RequestAborted);
        }).WithSummary("Download a snapshot's weights").WithDescription("The snapshot's model.safetensors (Hugging Face layout; the config and tokenizer are the run's), " +
            "streamed; the header X-Snapshot-Sha256 carries the snapshot's content hash (over all its files, see SnapshotInfo).")
          .Produces(200, contentType: "application/octet-stream").ProducesProblem(400).ProducesProblem(404);
    }

    /// <summary>The snapshot named by <paramref name="version"/> ("latest" or a number); 400 for another form, 404 when there is none.</summary>
    public static async Task<SnapshotInfo> FindAsync(IRunStores stores, string version, CancellationToken ct)
    {
        if (version == "latest")
            return await stores.Snapshots.LatestAsync(ct) ?? throw ProblemException.NotFound("no snapshot is published yet");
        var v = Problems.Id("version", version);
        return (await stores.Snapshots.ListAsync(ct)).FirstOrDefault(s => s.Version == v)
            ?? throw ProblemException.NotFound(string.Create(CultureInfo.InvariantCulture, $"snapshot {v} does not exist"));
    }

    private static SnapshotView Describe(SnapshotInfo s, EvaluationPoint? evaluation) => new(s.Version, s.Sha256, s.Bytes, s.PublishedAt, s.TrainerStep,
        s.PreferenceCount, Metadata(s.Metadata), evaluation);

    private static JsonElement? Metadata(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A snapshot as the API lists it: its description, metadata (the trainer's JSON) and evaluation (null until evaluated).</summary>
public sealed record SnapshotView(long Version, string Sha256, long Bytes, DateTimeOffset PublishedAt, long TrainerStep, int PreferenceCount,
    JsonElement? Metadata, EvaluationPoint? Evaluation);
