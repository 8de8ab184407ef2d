namespace Fpo.Silo.SiloApi;

/// <summary>
/// Kubernetes probes: /healthz (liveness: the process answers; open without the token) and /readyz (readiness: the
/// cluster silo's Orleans silo is Active (<see cref="OrleansReadiness"/>), the backbone answers within its timeout and, when the
/// OpenAI endpoints are served, a snapshot is loaded into them).
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
            // Only a cluster silo's API depends on its Orleans silo; `fpo loop` keeps answering from the backbone while
            // its run is stopped or finished, with the loop's silo gone.
            List<string> problems = [.. OrleansReadiness.Problems(view is ClusterRunView ? view.SiloServices : null)];
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
            return Health.Of(problems);
        }).WithSummary("Readiness").WithDescription("200 when the silo (of a cluster run) is Active in its Orleans cluster, the backbone answers and the served model is loaded; 503 with the reasons otherwise.")
          .Produces<Health>().Produces<Health>(503);
    }
}

public sealed record Health(string Status, IReadOnlyList<string> Problems)
{
    /// <summary>200 "ready" without problems, else 503 "not ready" naming them.</summary>
    public static IResult Of(IReadOnlyList<string> problems) => problems.Count == 0
        ? Results.Ok(new Health("ready", []))
        : Results.Json(new Health("not ready", problems), statusCode: StatusCodes.Status503ServiceUnavailable);
}
