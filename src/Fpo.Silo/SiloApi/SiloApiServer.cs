using System.Net;
using Fpo.Models.Transformer;
using Fpo.Silo.Api;
using Microsoft.AspNetCore.Hosting;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The silo's HTTP API on the runs of <see cref="RunViews"/> (usually one; <c>?run=ID</c> chooses): run status and control, snapshots, live feature statistics,
/// alerts, Prometheus metrics through OpenTelemetry, health probes, the OpenAPI document at /openapi.json, the dashboard
/// at /, Orleans' dashboard at /orleans/ where this process runs the silo, and the OpenAI-compatible endpoints of
/// `fpo serve` for the newest snapshot. Refusals are RFC 7807 problem details (the /v1 routes keep OpenAI's error
/// objects); with a token, every route but /healthz and the dashboard's files needs it.
/// `fpo loop` starts it over its in-process loop; an api-role silo over a <see cref="ClusterRunView"/>.
/// </summary>
public static class SiloApiServer
{
    /// <summary>Builds the server; <paramref name="configure"/> may change the builder (tests put it on an in-memory server).</summary>
    public static WebApplication Create(SiloApiOptions options, IRunView view, Action<WebApplicationBuilder>? configure = null) =>
        Create(options, new RunViews([view]), configure);

    /// <summary>Builds the server over several runs; the first answers requests that name none, and serves the metrics and /v1.</summary>
    public static WebApplication Create(SiloApiOptions options, RunViews views, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(views);
        var view = views.Default;
        var builder = Builder(options);
        // A diverged step's NaN loss must not turn the status into a 500: non-finite numbers go out as "NaN", "Infinity".
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals);
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Fpo silo API";
            document.Info.Version = "1";
            document.Info.Description = "Run status and control, snapshots, live SAE feature statistics and alerts, Prometheus metrics, health probes, " +
                "the dashboard, and the OpenAI-compatible endpoints of the newest snapshot. Errors are RFC 7807 problem details (OpenAI error objects on /v1). " +
                "With a token configured, every route but /healthz and the dashboard's files needs 'Authorization: Bearer TOKEN'. " +
                "Where the process runs the run's Orleans silo (fpo loop), Orleans' own dashboard is at /orleans/ (not described here; it also takes the token as the password of HTTP Basic authentication). " +
                FeaturesApi.DriftDefinition;
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(views);
        builder.Services.AddHttpContextAccessor();
        // A handler's run view and feature queries are those of the run its request names (?run=ID), the first by default.
        builder.Services.AddScoped(provider => Chosen(provider, views.ViewOf, views.Default));
        builder.Services.AddScoped(provider => Chosen(provider, views.FeaturesOf, views.FeaturesOf(views.Default)));
        MetricsApi.Add(builder.Services, view, views.FeaturesOf(view));
        if (options.ServeOpenAi)
        {
            var serverOptions = new ServerOptions { ModelName = options.ModelName, MaxBatch = options.MaxBatch, MaxBodyBytes = options.MaxBodyBytes };
            var service = new GenerationService(new TransformerModel(view.Model.Config), view.Model.Tokenizer, serverOptions);
            var served = new ServedSnapshot(view.Stores, service);
            builder.Services.AddSingleton(serverOptions);
            builder.Services.AddSingleton(service);
            builder.Services.AddHostedService(provider => provider.GetRequiredService<GenerationService>());
            builder.Services.AddSingleton(served);
            builder.Services.AddHostedService(provider => provider.GetRequiredService<ServedSnapshot>());
            builder.Services.AddSingleton(ChatTemplate.For(view.Model.Config, view.Model.Tokenizer));
            builder.Services.AddSingleton(new TokenTexts(view.Model.Tokenizer));
            builder.Services.AddSingleton(new ApiServing(served));
        }
        else
        {
            builder.Services.AddSingleton(new ApiServing(null));
        }
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseWhen(http => IsOpenAi(http.Request.Path), openAi => openAi.Use(ApiErrors.Middleware));
        app.UseWhen(http => !IsOpenAi(http.Request.Path), api => api.Use(Problems.Middleware));
        // No route of the silo's API reads a body; one announced over the limit is refused before anything else.
        app.UseWhen(http => !IsOpenAi(http.Request.Path), api => api.Use((http, next) => http.Request.ContentLength > options.MaxBodyBytes
            ? Problems.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, $"the request body of {http.Request.ContentLength:N0} bytes is over the limit of {options.MaxBodyBytes:N0} bytes")
            : next(http)));
        if (options.Token is { } token)
        {
            var problemCheck = new ApiKeyCheck(token, (http, message) => Problems.WriteAsync(http, StatusCodes.Status401Unauthorized, message));
            var openAiCheck = new ApiKeyCheck(token);
            // The Orleans dashboard's scripts are not ours and send no header: a browser asks for the token once (HTTP Basic).
            var orleansCheck = new ApiKeyCheck(token, (http, message) => Problems.WriteAsync(http, StatusCodes.Status401Unauthorized, message), basic: true);
            app.UseWhen(http => IsOpenAi(http.Request.Path), openAi => openAi.Use(openAiCheck.Middleware));
            app.UseWhen(http => IsOrleans(http.Request.Path), orleans => orleans.Use(orleansCheck.Middleware));
            app.UseWhen(http => !IsOpenAi(http.Request.Path) && !IsOrleans(http.Request.Path) && !IsOpen(http.Request.Path), api => api.Use(problemCheck.Middleware));
        }
        HealthApi.Map(app);
        RunApi.Map(app);
        SnapshotsApi.Map(app);
        FeaturesApi.Map(app);
        MetricsApi.Map(app);
        DashboardApi.Map(app);
        OrleansDashboardApi.Map(app, view);
        app.MapOpenApi("/openapi.json");
        if (options.ServeOpenAi)
        {
            ChatCompletionsApi.Map(app);
            CompletionsApi.Map(app);
            ModelsApi.Map(app);
        }
        app.MapFallback(http => IsOpenAi(http.Request.Path) ? ApiErrors.NotFound(http) : Problems.NotFound(http));
        return app;
    }

    /// <summary>
    /// The hosting entry point: builds the server, loads the newest snapshot into the OpenAI-compatible endpoints, starts
    /// listening and returns the running server with its address (the port chosen when <see cref="SiloApiOptions.Port"/> is 0).
    /// </summary>
    public static Task<RunningSiloApi> StartAsync(SiloApiOptions options, IRunView view, CancellationToken cancellationToken) =>
        StartAsync(options, new RunViews([view]), cancellationToken);

    public static async Task<RunningSiloApi> StartAsync(SiloApiOptions options, RunViews views, CancellationToken cancellationToken)
    {
        var app = Create(options, views);
        return await RunningSiloApi.StartAsync(app, async ct =>
        {
            if (app.Services.GetService<ServedSnapshot>() is { } served) await served.LoadLatestAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A quiet slim builder listening on the options' address and port with their body limit, and problem details.</summary>
    internal static WebApplicationBuilder Builder(SiloApiOptions options)
    {
        options.Validate();
        var address = options.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(options.Host, out var ip) ? ip
            : throw new ArgumentException($"api.host '{options.Host}' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::1)");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.Listen(address, options.Port);
        });
        builder.Services.AddProblemDetails();
        return builder;
    }

    private static T Chosen<T>(IServiceProvider provider, Func<HttpRequest, T> ofRequest, T fallback) =>
        provider.GetRequiredService<IHttpContextAccessor>().HttpContext is { } http ? ofRequest(http.Request) : fallback;

    private static bool IsOpenAi(PathString path) => path.StartsWithSegments("/v1", StringComparison.Ordinal);

    private static bool IsOrleans(PathString path) => path.StartsWithSegments(OrleansDashboardApi.Prefix, StringComparison.Ordinal);

    // Routes that need no token: liveness, and the dashboard's static files (they hold no run data; the page sends the token).
    private static bool IsOpen(PathString path) => path == "/healthz" || DashboardApi.Files.ContainsKey(path.Value ?? "");
}

/// <summary>A started <see cref="SiloApiServer"/>: its address; disposing stops it gracefully.</summary>
public sealed class RunningSiloApi(WebApplication app, Uri address) : IAsyncDisposable
{
    public WebApplication App => app;
    public Uri Address => address;

    /// <summary>Runs <paramref name="beforeListening"/>, starts <paramref name="built"/> and returns it running; a failure on the way disposes it.</summary>
    internal static async Task<RunningSiloApi> StartAsync(WebApplication built, Func<CancellationToken, Task>? beforeListening, CancellationToken cancellationToken)
    {
        try
        {
            if (beforeListening is not null) await beforeListening(cancellationToken).ConfigureAwait(false);
            await built.StartAsync(cancellationToken).ConfigureAwait(false);
            return new RunningSiloApi(built, new Uri(built.Urls.First()));
        }
        catch
        {
            await built.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
