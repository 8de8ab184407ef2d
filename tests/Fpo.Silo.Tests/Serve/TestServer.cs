using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Silo.Api;
using Fpo.Silo.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fpo.Silo.Tests.Serve;

/// <summary>`fpo serve`'s server on a free 127.0.0.1 port over the tiny test model, with a plain HTTP client.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string ModelName = "tiny";

    private readonly string _dir;
    private readonly WebApplication _app;

    private TestServer(string dir, WebApplication app, Uri address)
    {
        (_dir, _app, Address) = (dir, app, address);
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }
    public HttpClient Http { get; }
    public GenerationService Service => _app.Services.GetRequiredService<GenerationService>();

    /// <summary>Starts a server; <paramref name="configure"/> changes the options (key, queue, limits).</summary>
    public static async Task<TestServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var dir = Directory.CreateTempSubdirectory("fpo-serve-").FullName;
        TinyModelFolder.Write(dir);
        var (model, tokenizer) = ModelFolder.Load(dir);
        var options = new ServerOptions { ModelName = ModelName, Port = 0, MaxBatch = 8, MaxBodyBytes = 64 * 1024 };
        var app = OpenAiServer.Create(model, tokenizer, configure?.Invoke(options) ?? options);
        return new TestServer(dir, app, await OpenAiServer.StartAsync(app, TestContext.Current.CancellationToken));
    }

    /// <summary>A second copy of the served model, for computing expected log-probs without touching the server's buffers.</summary>
    public (TransformerModel Model, BpeTokenizer Tokenizer) LoadCopy() => ModelFolder.Load(_dir);

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, string json, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    public Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, object body, string? key = null) =>
        PostAsync(path, JsonSerializer.Serialize(body), key);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
