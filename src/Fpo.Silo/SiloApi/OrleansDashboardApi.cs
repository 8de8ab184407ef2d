using Orleans.Hosting;
using Microsoft.AspNetCore.Routing;
using Orleans.Dashboard;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The Orleans dashboard (Microsoft.Orleans.Dashboard) of the silo in this process, at /orleans/ on the API's address
/// and behind its token. Its halves live in two hosts: the silo-side part (<see cref="AddToSilo"/>: the dashboard
/// grain, a grain service per silo, the grain-call profiler, the log feed) in the silo's own host, which `fpo loop`
/// opens anew for each run; the HTTP part (the page and the JSON routes it polls) in the API's app, which outlives those
/// silos. Each request to it resolves the dashboard's services from the silo the view shows at that moment, so it
/// follows a run stopped and resumed through the API; between runs it answers 503. A view without a silo when the
/// API is built (an api silo, whose process hosts no grains) maps nothing.
/// </summary>
public static class OrleansDashboardApi
{
    public const string Prefix = "/orleans";

    public static void AddToSilo(ISiloBuilder silo) => silo.AddDashboard();

    /// <summary>Maps the dashboard's routes; call after the token check, whose refusal comes first.</summary>
    public static void Map(WebApplication app, IRunView view)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(view);
        if (view.SiloServices is not { } silo) return;
        var routes = new DashboardRoutes(app, silo);
        routes.MapOrleansDashboard(Prefix).ExcludeFromDescription().WithMetadata(new SiloRoute());
        routes.Mapped();
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<SiloRoute>() is null)
            {
                await next(http).ConfigureAwait(false);
                return;
            }
            if (view.SiloServices is not { } current)
            {
                await Problems.WriteAsync(http, StatusCodes.Status503ServiceUnavailable,
                    "the run is stopped, and with it its Orleans silo; the dashboard shows the silo again once the run resumes (POST /api/run/start)").ConfigureAwait(false);
                return;
            }
            var api = http.RequestServices;
            await using var scope = current.CreateAsyncScope();
            http.RequestServices = scope.ServiceProvider;
            try
            {
                await next(http).ConfigureAwait(false);
            }
            finally
            {
                http.RequestServices = api;
            }
        });
    }

    /// <summary>Marks the routes whose services come from the silo.</summary>
    private sealed class SiloRoute;

    // The dashboard looks up its embedded files in the silo's services once, while its routes are mapped; after that the
    // API's services build the routes (options, JSON), so a silo that has stopped since is never asked.
    private sealed class DashboardRoutes(WebApplication app, IServiceProvider silo) : IEndpointRouteBuilder, IServiceProvider
    {
        private IServiceProvider? _silo = silo;

        public IServiceProvider ServiceProvider => this;

        public ICollection<EndpointDataSource> DataSources => ((IEndpointRouteBuilder)app).DataSources;

        public IApplicationBuilder CreateApplicationBuilder() => ((IEndpointRouteBuilder)app).CreateApplicationBuilder();

        public object? GetService(Type serviceType) => app.Services.GetService(serviceType) ?? _silo?.GetService(serviceType);

        public void Mapped() => _silo = null;
    }
}
