using System.Globalization;
using Fpo.Grains.Cluster;
using Fpo.Silo.Api;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// What every `fpo silo` serves whatever its roles, so Kubernetes and Prometheus can watch each pod: /healthz (the
/// process answers; open), /readyz (the backbone answers; 503 with the reason otherwise) and /metrics (this silo's
/// roles and their state, the run's newest snapshot and queue depths — fpo_stream_records{stream,state}, what the
/// autoscalers read — and the process figures). A silo that runs the api role serves the full <see cref="SiloApiServer"/>
/// on the same address instead, once the run's model is loaded. With a token, every route but /healthz needs it.
/// </summary>
public static class SiloProbeServer
{
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    public static async Task<RunningSiloApi> StartAsync(SiloApiOptions options, Func<TimeSpan, Task<SiloRolesStatus>> status, CancellationToken cancellationToken)
    {
        var app = SiloApiServer.Builder(options).Build();
        app.Use(Problems.Middleware);
        if (options.Token is { } token)
        {
            var check = new ApiKeyCheck(token, (http, message) => Problems.WriteAsync(http, StatusCodes.Status401Unauthorized, message));
            app.UseWhen(http => http.Request.Path != "/healthz", guarded => guarded.Use(check.Middleware));
        }
        app.MapGet("/healthz", () => TypedResults.Ok(new Health("ok", [])));
        app.MapGet("/readyz", async () =>
        {
            var s = await status(StatusTimeout).ConfigureAwait(false);
            return s.BackboneError is null
                ? Results.Ok(new Health("ready", []))
                : Results.Json(new Health("not ready", [$"backbone unreachable: {s.BackboneError}"]), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async () => Results.Text(Metrics(await status(StatusTimeout).ConfigureAwait(false)), PrometheusText.ContentType));
        app.MapFallback(Problems.NotFound);
        return await RunningSiloApi.StartAsync(app, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Prometheus text of one silo's status.</summary>
    internal static string Metrics(SiloRolesStatus s)
    {
        var text = new PrometheusText();
        text.Gauge("fpo_backbone_up", "1 when the backbone answered this scrape, 0 when it did not (e.g. the database restarts).", s.BackboneError is null ? 1 : 0)
            .Gauge("fpo_snapshot_version", "Newest published snapshot version.", s.SnapshotVersion)
            .Gauge("fpo_silo_uptime_seconds", "Seconds since this silo started its roles.", s.Elapsed.TotalSeconds);
        foreach (var role in s.Roles)
            text.Gauge("fpo_silo_role", "This silo's roles, 1 for the state each is in (running, waiting for the lead, restarting, ...).", 1,
                ("role", role.Name), ("state", role.State.Split(" in ")[0]));
        foreach (var (stream, q) in (s.Queues ?? new Dictionary<string, Grains.Backbone.StreamCounts>()).OrderBy(q => q.Key, StringComparer.Ordinal))
            text.StreamRecords(stream, q.Pending, q.Leased, q.Acknowledged, q.Dead);
        MetricsApi.Process(text);
        return text.ToString();
    }

    internal static string Describe(RunningSiloApi api, SiloApiOptions options) => string.Create(CultureInfo.InvariantCulture,
        $"probes and metrics at {api.Address} (/healthz, /readyz, /metrics){(options.Token is null ? "" : "; token required but for /healthz")}");
}
