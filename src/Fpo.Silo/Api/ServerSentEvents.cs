using System.Text.Json;

namespace Fpo.Silo.Api;

/// <summary>An OpenAI stream: <c>data: {json}\n\n</c> per chunk, flushed at once, ended by <c>data: [DONE]\n\n</c>.</summary>
public sealed class ServerSentEvents
{
    private static readonly byte[] Prefix = "data: "u8.ToArray(), End = "\n\n"u8.ToArray(), Done = "data: [DONE]\n\n"u8.ToArray();
    private readonly HttpResponse _response;

    public ServerSentEvents(HttpResponse response)
    {
        _response = response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public async Task WriteAsync<T>(T chunk, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(chunk, OpenAiJson.Options);
        await _response.Body.WriteAsync(Prefix, ct);
        await _response.Body.WriteAsync(json, ct);
        await _response.Body.WriteAsync(End, ct);
        await _response.Body.FlushAsync(ct);
    }

    /// <summary>After the last token: an error object if the request failed, else the usage chunk when asked for
    /// (stream_options.include_usage), then [DONE].</summary>
    public async Task EndAsync<T>(Submission submission, Func<Usage, T>? usageChunk, int promptTokens, CancellationToken ct)
    {
        var result = await submission.Completion.Task;
        if (result.Error is { } error)
            await WriteAsync(new ApiException(StatusCodes.Status500InternalServerError, error, "server_error").ToBody(), ct);
        else if (usageChunk is not null)
            await WriteAsync(usageChunk(ApiGeneration.Usage(promptTokens, result.Samples)), ct);
        await DoneAsync(ct);
    }

    private async Task DoneAsync(CancellationToken ct)
    {
        await _response.Body.WriteAsync(Done, ct);
        await _response.Body.FlushAsync(ct);
    }
}
