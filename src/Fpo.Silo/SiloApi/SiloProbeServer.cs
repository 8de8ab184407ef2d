using System.Diagnostics.Metrics;
using System.Globalization;
using Fpo.Grains.Cluster;
using Fpo.Silo.Api;
using Fpo.Silo.SiloApi.Metrics;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// What every `fpo silo` serves whatever its roles, so Kubernetes and Prometheus can watch each pod: /healthz (the
/// process answers; open), /readyz (the Orleans silo is Active in the cluster and the backbone answers; 503 with the reasons otherwise) and /metrics through
/// OpenTelemetry (<see cref="SiloMetrics"/>: this silo's roles and their state, the run's newest snapshot and queue
/// depths — fpo_stream_records{stream,state}, what the autoscalers read — then Orleans' and the runtime's meters). A silo that runs the api role serves the full <see cref="SiloApiServer"/>
/// on the same address instead, once the run's model is loaded. With a token, every route but /healthz needs it.
/// </summary>
public static class SiloProbeServer
{
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    /// <param name="silo">The services of this process's Orleans silo, whose membership status /readyz reports; null for none.</param>
    public static async Task<RunningSiloApi> StartAsync(SiloApiOptions options, Func<TimeSpan, Task<SiloRolesStatus>> status, IServiceProvider? silo,
        CancellationToken cancellationToken)
    {
        var builder = SiloApiServer.Builder(options);
        MetricsExport.Add(builder.Services, () => null);
        builder.Services.AddSingleton(provider => new SiloMetrics(provider.GetRequiredService<IMeterFactory>(), status));
        var app = builder.Build();
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
            List<string> problems = [.. OrleansReadiness.Problems(silo)];
            if (s.BackboneError is not null) problems.Add($"backbone unreachable: {s.BackboneError}");
            return Health.Of(problems);
        });
        MetricsExport.Map<SiloMetrics>(app);
        app.MapFallback(Problems.NotFound);
        return await RunningSiloApi.StartAsync(app, null, cancellationToken).ConfigureAwait(false);
    }

    internal static string Describe(RunningSiloApi api, SiloApiOptions options) => string.Create(CultureInfo.InvariantCulture,
        $"probes and metrics at {api.Address} (/healthz, /readyz, /metrics){(options.Token is null ? "" : "; token required but for /healthz")}");
}
