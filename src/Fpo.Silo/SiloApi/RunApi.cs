namespace Fpo.Silo.SiloApi;

/// <summary>The runs this API answers for, and per run: its status, the trainer's steps, the evaluations, and start/stop when this silo hosts the trainer.</summary>
public static class RunApi
{
    public const int MaxSteps = 10_000;

    public static void Map(WebApplication app)
    {
        app.MapGet("/api/runs", async (HttpRequest request, RunViews views, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            var runs = new List<RunSummary>(views.All.Count);
            foreach (var view in views.All)
            {
                var status = await view.StatusAsync(ct);
                runs.Add(new RunSummary(status.RunId, status.State, status.SnapshotVersion, status.LastEvaluation?.WinRate));
            }
            return TypedResults.Ok(runs);
        }).WithSummary("Runs").WithDescription("The runs this API answers for (a cluster can host several side by side), each with its state, newest snapshot " +
            "and last win rate. Every /api route takes ?run=ID to choose one; without it the first listed answers.").Produces<IReadOnlyList<RunSummary>>();

        app.MapGet("/api/run", async (HttpRequest request, IRunView view, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            return TypedResults.Ok(await view.StatusAsync(ct));
        }).WithSummary("Run status").WithDescription("Snapshot version, trainer steps, pairs produced and pairs per minute, judge labels and abstentions, " +
            "queue depths per stream and state, the last trainer step and the last evaluation. state is running, stopping, stopped, or observing " +
            "(a silo without the trainer).").Produces<RunStatus>();

        app.MapGet("/api/run/steps", async (HttpRequest request, IRunView view, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request, "after", "limit");
            var after = Problems.OptionalId(request, "after") ?? -1;
            var limit = Problems.Int(request, "limit", 1000, 1, MaxSteps);
            return TypedResults.Ok(await view.TrainerStepsAsync(after, limit, ct));
        }).WithSummary("Trainer steps").WithDescription($"Trainer steps after step `after` (default: from the first), oldest first, at most `limit` (1..{MaxSteps}, default 1000).")
          .Produces<IReadOnlyList<TrainerStepPoint>>().ProducesProblem(400);

        app.MapGet("/api/evaluations", async (HttpRequest request, IRunView view, CancellationToken ct) =>
        {
            Problems.OnlyQuery(request);
            return TypedResults.Ok((await view.EvaluationsAsync(ct)).Select(EvaluationPoint.Of).ToList());
        }).WithSummary("Evaluations").WithDescription("Every snapshot evaluation against the reference on held-out prompts: win rate, KL(policy‖ref) per token, " +
            "the mean per-response D_fpo (feature_drift), scores and lengths.").Produces<IReadOnlyList<EvaluationPoint>>();

        app.MapPost("/api/run/start", (HttpRequest request, IRunView view, CancellationToken ct) => Control(request, view, v => v.StartAsync(ct)))
            .WithSummary("Start the loop").WithDescription("Starts (resumes) the loop after a stop through the API; 409 when this silo does not host the trainer or the loop runs.")
            .Produces<RunStatus>().ProducesProblem(409);
        app.MapPost("/api/run/stop", (HttpRequest request, IRunView view, CancellationToken ct) => Control(request, view, v => v.StopAsync(ct)))
            .WithSummary("Stop the loop").WithDescription("Asks for a clean stop: every grain finishes its batch and the trainer publishes what it trained; 409 when this silo does not host the trainer or the loop is not running.")
            .Produces<RunStatus>().ProducesProblem(409);
    }

    private static async Task<IResult> Control(HttpRequest request, IRunView view, Func<IRunView, Task> action)
    {
        Problems.OnlyQuery(request);
        try
        {
            await action(view);
        }
        catch (InvalidOperationException e)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, e.Message);
        }
        return TypedResults.Ok(await view.StatusAsync(request.HttpContext.RequestAborted));
    }
}

/// <summary>One run in <c>GET /api/runs</c>.</summary>
public sealed record RunSummary(string RunId, string State, long SnapshotVersion, double? LastWinRate);
