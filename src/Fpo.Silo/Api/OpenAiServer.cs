using Microsoft.AspNetCore.Hosting;
using System.Net;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Api;

/// <summary>
/// The OpenAI-compatible server of one model: Kestrel on one address, errors as OpenAI error objects, the optional
/// bearer key, the three APIs, and 404 for anything else. `fpo serve`, the tests and `fpo bench serve` all build it here.
/// </summary>
public static class OpenAiServer
{
    public static WebApplication Create(TransformerModel model, BpeTokenizer tokenizer, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(options.Host, out var ip) ? ip
            : throw new ArgumentException($"host '{options.Host}' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::1)");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.Listen(address, options.Port);
        });
        var service = new GenerationService(model, tokenizer, options);
        builder.Services.AddSingleton(service);
        builder.Services.AddHostedService(provider => provider.GetRequiredService<GenerationService>());
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.ChatTemplate ?? ChatTemplate.For(model.Config, tokenizer));
        builder.Services.AddSingleton(new TokenTexts(tokenizer));

        var app = builder.Build();
        app.Use(ApiErrors.Middleware);
        if (options.ApiKey is { } key) app.Use(new ApiKeyCheck(key).Middleware);
        ChatCompletionsApi.Map(app);
        CompletionsApi.Map(app);
        ModelsApi.Map(app);
        app.MapFallback(ApiErrors.NotFound);
        return app;
    }

    /// <summary>Starts the server; returns its base address (with the port chosen when Port is 0).</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync(ct);
        return new Uri(app.Urls.First());
    }
}
