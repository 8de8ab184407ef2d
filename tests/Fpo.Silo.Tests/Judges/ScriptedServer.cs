using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// A chat-completions endpoint on a free 127.0.0.1 port (Kestrel, real HTTP) whose answers a test scripts: it records
/// every request (when it arrived, its prompt and body, which attempt at that prompt it is) and how many were in flight
/// at once, then lets the script write any status, headers and body.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ScriptedCall> _calls = [];
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private int _inFlight, _maxInFlight;

    private ScriptedServer(Func<ScriptedCall, HttpContext, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        // OpenAI's path under the base URL, and Azure OpenAI's per-deployment path under the resource's endpoint
        _app.MapPost("/v1/chat/completions", context => RecordAsync(context, respond));
        _app.MapPost("/openai/deployments/{deployment}/chat/completions", context => RecordAsync(context, respond));
    }

    private async Task RecordAsync(HttpContext context, Func<ScriptedCall, HttpContext, Task> respond)
    {
        var body = (await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted)).RootElement.Clone();
        var prompt = body.GetProperty("messages")[0].GetProperty("content").GetString()!;
        ScriptedCall call;
        lock (_calls)
        {
            _attempts[prompt] = _attempts.GetValueOrDefault(prompt) + 1;
            var headers = context.Request.Headers;
            call = new ScriptedCall(_calls.Count, _attempts[prompt], prompt, body, _clock.Elapsed, headers.Authorization.ToString(),
                context.Request.Path + context.Request.QueryString, headers["api-key"].ToString());
            _calls.Add(call);
            _maxInFlight = Math.Max(_maxInFlight, ++_inFlight);
        }
        try
        {
            await respond(call, context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the judge gave up waiting: nothing to answer
        }
        finally
        {
            lock (_calls) _inFlight--;
        }
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The clock <see cref="ScriptedCall.At"/> is read from.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<ScriptedCall> Calls
    {
        get
        {
            lock (_calls) return [.. _calls];
        }
    }

    public int MaxInFlight
    {
        get
        {
            lock (_calls) return _maxInFlight;
        }
    }

    public static async Task<ScriptedServer> StartAsync(Func<ScriptedCall, HttpContext, Task> respond)
    {
        var server = new ScriptedServer(respond);
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        server.Endpoint = new Uri(new Uri(server._app.Urls.First()), "/v1");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>A chat completion whose one generated token is <paramref name="content"/>, with log-probs of "1" and "2"
    /// giving P("1") = <paramref name="pOne"/> among them (other tokens keep the rest), or no log-probs when null.</summary>
    public static string Completion(string content, double? pOne = null)
    {
        var logprobs = "null";
        if (pOne is { } p)
        {
            // The two digits share 0.9 of the mass; a third token has the rest, so the softmax over two is exercised.
            double one = Math.Log(0.9 * p), two = Math.Log(0.9 * (1 - p)), other = Math.Log(0.1);
            var top = $$"""[{"token":"1","logprob":{{one:R}},"bytes":[49]},{"token":"2","logprob":{{two:R}},"bytes":[50]},{"token":"x","logprob":{{other:R}},"bytes":[120]}]""";
            logprobs = $$"""{"content":[{"token":"{{content}}","logprob":{{(content == "1" ? one : two):R}},"bytes":[],"top_logprobs":{{top}}}]}""";
        }
        return """{"id":"c1","object":"chat.completion","created":1,"model":"tiny","choices":[{"index":0,"message":{"role":"assistant","content":""" +
               JsonSerializer.Serialize(content) + """},"logprobs":""" + logprobs +
               ""","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";
    }

    /// <summary>An OpenAI-style error body.</summary>
    public static string Error(string message, string type) => $$$"""{"error":{"message":"{{{message}}}","type":"{{{type}}}","param":null,"code":null}}""";

    public static Task Reply(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body, context.RequestAborted);
    }
}

/// <summary>One request the scripted server saw: its number, which attempt at the same prompt, when it came, and where
/// (path and query) with which key (<c>Authorization</c> as OpenAI sends it, <c>api-key</c> as Azure does).</summary>
internal sealed record ScriptedCall(int Number, int Attempt, string Prompt, JsonElement Body, TimeSpan At, string Authorization, string Path, string ApiKey);
