using System.Globalization;
using Fpo.Models.Generation;

namespace Fpo.Silo.Api;

/// <summary>What both endpoints do between parsing and answering: check the model and the length budget, build the
/// engine request, queue it (429 when full) and wait for its result.</summary>
public static class ApiGeneration
{
    /// <summary>Refuses a missing or unknown "model" (400).</summary>
    public static void CheckModel(RequestBody body, ServerOptions options)
    {
        var model = body.String("model") ?? throw ApiException.Invalid("model is required: give the id from GET /v1/models", "model");
        if (model != options.ModelName)
            throw ApiException.Invalid($"unknown model '{model}': this server serves '{options.ModelName}'", "model", "model_not_found");
    }

    /// <summary>The engine request; 400 when the prompt plus max_tokens does not fit the model's positions.</summary>
    public static GenerationRequest Request(GenerationService service, string id, int[] prompt, string promptParam,
        GenerationSettings settings, int topLogProbs, IEnumerable<int> stopTokenIds, IEnumerable<string> stopStrings, CancellationToken ct)
    {
        var limit = service.Engine.MaxSequenceLength;
        if (prompt.Length == 0) throw ApiException.Invalid($"{promptParam} is empty: give some text", promptParam);
        if (prompt.Length >= limit)
            throw ApiException.Invalid($"{promptParam} has {prompt.Length} tokens; the model holds {limit} positions per sequence, so it must be shorter than that",
                promptParam, "context_length_exceeded");
        var maxTokens = settings.MaxTokens ?? limit - prompt.Length;
        if ((long)prompt.Length + maxTokens > limit)
            throw ApiException.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"max_tokens is {maxTokens}: with the prompt's {prompt.Length} tokens that needs {(long)prompt.Length + maxTokens} positions, the model holds {limit}; ask for at most {limit - prompt.Length}"),
                "max_tokens", "context_length_exceeded");
        return new GenerationRequest
        {
            Id = id, PromptTokens = prompt, N = settings.N, MaxNewTokens = maxTokens, Sampling = settings.Sampling,
            StopTokenIds = [.. stopTokenIds], StopStrings = [.. settings.Stop, .. stopStrings], Seed = settings.Seed,
            IgnoreEos = settings.IgnoreEos, TopLogProbs = topLogProbs, Cancellation = ct,
        };
    }

    /// <summary>Queues the request; a full queue is a 429 with Retry-After.</summary>
    public static Submission Submit(HttpContext http, GenerationService service, GenerationRequest request, bool stream)
    {
        if (service.TrySubmit(request, stream) is { } submission) return submission;
        http.Response.Headers.RetryAfter = "1";
        throw new ApiException(StatusCodes.Status429TooManyRequests,
            $"the request queue is full ({service.QueueCapacity} requests wait for the model); retry later", "rate_limit_error", code: "rate_limit_exceeded");
    }

    /// <summary>The finished result; an engine failure (a NaN in the logits) is a 500 carrying its message.</summary>
    public static async Task<GenerationResult> ResultAsync(Submission submission)
    {
        var result = await submission.Completion.Task;
        return result.Error is { } error ? throw new ApiException(StatusCodes.Status500InternalServerError, error, "server_error") : result;
    }

    public static Usage Usage(int promptTokens, IEnumerable<GeneratedSample> samples)
    {
        var completion = samples.Sum(s => s.Tokens.Count);
        return new Usage(promptTokens, completion, promptTokens + completion);
    }

    public static string Finish(FinishReason reason) => reason == FinishReason.Stop ? "stop" : "length";

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
