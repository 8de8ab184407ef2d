namespace Fpo.Silo.SiloApi;

/// <summary>
/// Kubernetes probes: /healthz (liveness: the process answers; open without the token) and /readyz (readiness: the
/// backbone answers within its timeout and, when the OpenAI endpoints are served, a snapshot is loaded into them).
/// </summary>
public static class HealthApi
{
    public static readonly TimeSpan BackboneTimeout = TimeSpan.FromSeconds(5);

    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new Health("ok", [])))
            .WithSummary("Liveness").WithDescription("200 while the process answers. Needs no token.").Produces<Health>();

        app.MapGet("/readyz", async (HttpRequest request, IRunView view, ApiServing serving, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            var problems = new List<string>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(BackboneTimeout);
            try
            {
                await view.Stores.Snapshots.LatestAsync(timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                problems.Add($"backbone unreachable: {e.Message}");
            }
            if (serving.Enabled && serving.Version < 0) problems.Add("no snapshot is loaded into the OpenAI-compatible endpoints yet");
            var health = new Health(problems.Count == 0 ? "ready" : "not ready", problems);
            return problems.Count == 0 ? Results.Ok(health) : Results.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithSummary("Readiness").WithDescription("200 when the backbone answers and the served model is loaded; 503 with the reasons otherwise.")
          .Produces<Health>().Produces<Health>(503);
    }
}

public sealed record Health(string Status, IReadOnlyList<string> Problems);
