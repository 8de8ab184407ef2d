using System.Net;
using System.Text.Json;

namespace Fpo.Silo.Tests.Serve;

/// <summary>Every refused request gets the right status and an OpenAI error object naming what was wrong.</summary>
public sealed class ServeErrorTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Chat = "/v1/chat/completions";
    private const string Messages = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void AssertError(JsonElement body, string type, string? param, string because)
    {
        var error = body.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains(because, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var p = error.GetProperty("param");
        Assert.Equal(param, p.ValueKind == JsonValueKind.Null ? null : p.GetString());
        Assert.True(error.TryGetProperty("code", out _), "the error object has no code field");
    }

    [Theory]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"temperature\": -0.5}", "temperature", "must be finite and >= 0")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"top_p\": 0}", "top_p", "must be in (0, 1]")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"top_p\": 1.5}", "top_p", "must be in (0, 1]")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"n\": 0}", "n", "n is 0")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"n\": 1000}", "n", "n is 1000")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"max_tokens\": 500}", "max_tokens", "the model holds 64")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"max_tokens\": 0}", "max_tokens", "max_tokens is 0")]
    [InlineData("{\"model\": \"gpt-4o\", " + Messages + "}", "model", "unknown model 'gpt-4o'")]
    [InlineData("{" + Messages + "}", "model", "model is required")]
    [InlineData("{\"model\": \"tiny\"}", "messages", "messages is required")]
    [InlineData("{\"model\": \"tiny\", \"messages\": []}", "messages", "messages is empty")]
    [InlineData("{\"model\": \"tiny\", \"messages\": \"hi\"}", "messages", "messages must be an array")]
    [InlineData("{\"model\": \"tiny\", \"messages\": [{\"content\": \"hi\"}]}", "messages[0].role", "role is required")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"temperature\": \"hot\"}", "temperature", "must be a number, got a string")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"stop\": 5}", "stop", "a string or an array of strings")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"stream\": \"yes\"}", "stream", "must be a boolean")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"top_logprobs\": 3}", "top_logprobs", "needs logprobs: true")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"logprobs\": true, \"top_logprobs\": 21}", "top_logprobs", "must be in [0, 20]")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"logit_bias\": {\"99999\": 5}}", "logit_bias", "not a token id")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ", \"logit_bias\": {\"3\": 500}}", "logit_bias", "must be a number in [-100, 100]")]
    [InlineData("{\"model\": \"tiny\", " + Messages + ",", null, "not valid JSON")]
    [InlineData("[1, 2]", null, "must be a JSON object")]
    public async Task InvalidChatRequestsAre400WithTheField(string json, string? param, string because)
    {
        var (status, body, _) = await fixture.Server.PostAsync(Chat, json);
        Assert.Equal(400, status);
        AssertError(body, "invalid_request_error", param, because);
    }

    [Theory]
    [InlineData("{\"model\": \"tiny\"}", "prompt", "prompt is required")]
    [InlineData("{\"model\": \"tiny\", \"prompt\": 7}", "prompt", "prompt must be a string")]
    [InlineData("{\"model\": \"tiny\", \"prompt\": \"\"}", "prompt", "prompt is empty")]
    [InlineData("{\"model\": \"tiny\", \"prompt\": \"the cat\", \"logprobs\": 50}", "logprobs", "must be in [0, 20]")]
    [InlineData("{\"model\": \"tiny\", \"prompt\": \"the cat\", \"max_tokens\": 63}", "max_tokens", "ask for at most")]
    public async Task InvalidCompletionRequestsAre400WithTheField(string json, string param, string because)
    {
        var (status, body, _) = await fixture.Server.PostAsync("/v1/completions", json);
        Assert.Equal(400, status);
        AssertError(body, "invalid_request_error", param, because);
    }

    [Fact]
    public async Task UnknownRoutesAre404()
    {
        var (status, body, _) = await fixture.Server.PostAsync("/v1/embeddings", "{}");
        Assert.Equal(404, status);
        AssertError(body, "invalid_request_error", null, "unknown route POST /v1/embeddings");
    }

    [Fact]
    public async Task ABodyOverTheLimitIs413()
    {
        var huge = JsonSerializer.Serialize(new { model = "tiny", prompt = new string('a', 100_000) });
        var (status, body, _) = await fixture.Server.PostAsync("/v1/completions", huge);
        Assert.Equal(413, status);
        AssertError(body, "invalid_request_error", null, "over the server's limit of 65,536 bytes");
    }

    [Fact]
    public async Task WithAKeyRequestsNeedTheRightBearerToken()
    {
        await using var server = await TestServer.StartAsync(o => o with { ApiKey = "sesame" });
        const string json = "{\"model\": \"tiny\", \"prompt\": \"the cat\", \"max_tokens\": 2}";
        var (missing, missingBody, _) = await server.PostAsync("/v1/completions", json);
        Assert.Equal(401, missing);
        AssertError(missingBody, "authentication_error", null, "missing API key");
        var (wrong, wrongBody, _) = await server.PostAsync("/v1/completions", json, key: "sesamf");
        Assert.Equal(401, wrong);
        AssertError(wrongBody, "authentication_error", null, "incorrect API key");
        Assert.Equal(401, (await server.PostAsync("/v1/completions", json, key: "sesame-longer")).Status);
        Assert.Equal(200, (await server.PostAsync("/v1/completions", json, key: "sesame")).Status);
        using var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.SendAsync(models, Ct)).StatusCode);
    }

    [Fact]
    public async Task AFullQueueIs429WithRetryAfter()
    {
        // One slot and one waiting place. The first request holds the engine at its first token, so of the next two
        // one waits in the queue and the other is refused at once, whichever arrives first.
        await using var server = await TestServer.StartAsync(o => o with { MaxBatch = 1, QueueCapacity = 1 });
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Service.Engine.TokenGenerated += _ =>
        {
            if (holding.TrySetResult()) release.Wait(TimeSpan.FromSeconds(20));
        };
        const string json = "{\"model\": \"tiny\", \"prompt\": \"the cat\", \"max_tokens\": 4}";
        try
        {
            var first = server.PostAsync("/v1/completions", json);
            await holding.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            var (second, third) = (server.PostAsync("/v1/completions", json), server.PostAsync("/v1/completions", json));
            var refused = await await Task.WhenAny(second, third);
            Assert.Equal(429, refused.Status);
            AssertError(refused.Body, "rate_limit_error", null, "the request queue is full");
            Assert.Equal("1", refused.Response.Headers.RetryAfter!.ToString());
            release.Set();
            var replies = await Task.WhenAll(first, second, third);
            Assert.Equal([200, 200, 429], replies.Select(r => r.Status).Order());
        }
        finally
        {
            release.Set();
        }
    }
}
