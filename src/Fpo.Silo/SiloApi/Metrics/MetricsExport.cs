using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Fpo.Silo.SiloApi.Metrics;

/// <summary>
/// GET /metrics through OpenTelemetry. Each server has its own MeterProvider over three meters: ours
/// (<see cref="FpoMeter"/>, only the instruments this server created, so servers sharing a process never report each
/// other's), Orleans' (<see cref="OrleansMeter"/>: activations, grain calls, messages of the silo in this process) and
/// the runtime's (<see cref="RuntimeMeter"/>: GC, CPU time, working set, thread pool). OpenTelemetry's exporter writes
/// them as Prometheus text: dots become underscores, counters get _total, a unit of seconds or bytes becomes a suffix.
/// </summary>
public static class MetricsExport
{
    public const string FpoMeter = "Fpo";
    public const string OrleansMeter = "Microsoft.Orleans";
    public const string RuntimeMeter = "System.Runtime";
    public const string Route = "/metrics";

    /// <summary>
    /// Adds the server's MeterProvider (the server adds its <see cref="IScrapedMetrics"/>); <paramref name="silo"/> gives
    /// the services of the silo whose Orleans meter it reports (null: whichever silo runs in this process).
    /// </summary>
    public static void Add(IServiceCollection services, Func<IServiceProvider?> silo)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(FpoMeter, OrleansMeter, RuntimeMeter)
            .AddPrometheusExporter(prometheus =>
            {
                // Each scrape collects right after its own refresh instead of answering from a 300 ms cache.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                // The series stay as they were: no otel_scope_* label on every sample, no target_info (Prometheus' target labels name the pod).
                prometheus.ScopeInfoEnabled = false;
                prometheus.TargetInfoEnabled = false;
            }));
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            var ours = provider.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => Keeps(instrument.Meter, ours, silo) ? null : MetricStreamConfiguration.Drop);
        });
    }

    /// <summary>GET /metrics: refreshes <typeparamref name="TMetrics"/>, then lets the exporter collect every meter and write the text.</summary>
    public static RouteHandlerBuilder Map<TMetrics>(WebApplication app) where TMetrics : IScrapedMetrics
    {
        ArgumentNullException.ThrowIfNull(app);
        var exporter = ((IApplicationBuilder)app).New();
        exporter.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null);
        var scrape = exporter.Build();
        return app.MapGet(Route, async (HttpContext http, TMetrics metrics, CancellationToken ct) =>
        {
            Problems.OnlyQuery(http.Request);
            await metrics.RefreshAsync(ct).ConfigureAwait(false);
            await scrape(http).ConfigureAwait(false);
        });
    }

    // A MeterListener hears every meter of the process by name, so the scope a meter was created in (a host's meter
    // factory) tells this server's instruments from another server's, and its silo's from another silo's (tests run
    // several; two silos' instruments of one name would share a series, which the first silo's end would end for both).
    // The choice is made once, when an instrument is published: one published while the view shows no silo is kept,
    // since that is the next run's silo starting between two runs of `fpo loop`.
    private static bool Keeps(Meter meter, IMeterFactory ours, Func<IServiceProvider?> silo) => meter.Name switch
    {
        FpoMeter => ReferenceEquals(meter.Scope, ours),
        OrleansMeter => silo()?.GetService<IMeterFactory>() is not { } siloMeters || ReferenceEquals(meter.Scope, siloMeters),
        _ => true,
    };
}
