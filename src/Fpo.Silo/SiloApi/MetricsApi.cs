using System.Diagnostics.Metrics;
using Fpo.Silo.SiloApi.Features;
using Fpo.Silo.SiloApi.Metrics;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// GET /metrics in Prometheus text through OpenTelemetry (<see cref="MetricsExport"/>): the run's instruments
/// (<see cref="RunMetrics"/>: progress, throughput, fpo_stream_records{stream,state} for the autoscalers, judge labels
/// and abstentions, the last step, the last evaluation, feature drift, the served snapshot), Orleans' meter (grain
/// activations and calls of the silo in this process) and the runtime's (GC, CPU time, working set, thread pool).
/// </summary>
public static class MetricsApi
{
    /// <summary>The metrics of <paramref name="view"/> (the API's first run; an API over several runs exports that one's).</summary>
    public static void Add(IServiceCollection services, IRunView view, FeatureQueries features)
    {
        MetricsExport.Add(services, () => view.SiloServices);
        services.AddSingleton(provider => new RunMetrics(provider.GetRequiredService<IMeterFactory>(), view, features, provider.GetRequiredService<ApiServing>()));
    }

    public static void Map(WebApplication app) => MetricsExport.Map<RunMetrics>(app)
        .WithSummary("Prometheus metrics")
        .WithDescription("Prometheus text exposition format 0.0.4 (OpenMetrics when asked for): the run's fpo_* metrics, Orleans' orleans_* and the runtime's dotnet_*.")
        .Produces<string>(200, "text/plain");
}
