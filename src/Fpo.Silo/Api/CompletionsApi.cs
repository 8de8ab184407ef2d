using System.Text.Json;
using Fpo.Models.Generation;

namespace Fpo.Silo.Api;

/// <summary>
/// POST /v1/completions: the prompt text is continued as is (no template). logprobs: N gives the legacy per-token
/// lists: tokens, token_logprobs, top_logprobs (N alternatives as {text: logprob}) and text_offset (the character
/// offset of each token in prompt + completion). Log-probs are the model's own (log_softmax of the raw logits).
/// </summary>
public static class CompletionsApi
{
    public static void Map(WebApplication app) => app.MapPost("/v1/completions", CreateAsync);

    private static async Task<IResult> CreateAsync(HttpContext http, GenerationService service, ServerOptions options, TokenTexts texts)
    {
        var body = await RequestBody.ReadAsync(http.Request);
        ApiGeneration.CheckModel(body, options);
        var text = Prompt(body);
        var settings = GenerationSettings.Read(body, service.Model.Config.VocabSize);
        var logprobs = body.Integer("logprobs", 0, ChatCompletionsApi.MaxTopLogProbs);

        var prompt = service.Tokenizer.Encode(text);
        var id = $"cmpl-{Guid.NewGuid():N}";
        var request = ApiGeneration.Request(service, id, prompt, "prompt", settings, logprobs ?? 0, [], [], http.RequestAborted);
        var submission = ApiGeneration.Submit(http, service, request, settings.Stream);
        var created = ApiGeneration.Now();
        if (settings.Stream)
        {
            await StreamAsync(http, submission, id, created, options.ModelName, settings, logprobs is not null, text.Length, prompt.Length, texts);
            return Results.Empty;
        }
        var result = await ApiGeneration.ResultAsync(submission);
        var choices = result.Samples.Select(s => new CompletionChoice(s.Index, s.Text ?? "",
            logprobs is null ? null : LogProbs(s.Tokens, s.ModelLogProbs, s.TopLogProbs, text.Length, texts),
            ApiGeneration.Finish(s.FinishReason))).ToList();
        return TypedResults.Json(new Completion(id, "text_completion", created, options.ModelName, choices,
            ApiGeneration.Usage(prompt.Length, result.Samples)), OpenAiJson.Options);
    }

    private static async Task StreamAsync(HttpContext http, Submission submission, string id, long created, string model,
        GenerationSettings settings, bool logprobs, int promptChars, int promptTokens, TokenTexts texts)
    {
        var ct = http.RequestAborted;
        var events = new ServerSentEvents(http.Response);
        var offsets = Enumerable.Repeat(promptChars, settings.N).ToArray();  // (N) where each sample's next token starts
        await foreach (var token in submission.Tokens!.Reader.ReadAllAsync(ct))
        {
            var lp = logprobs ? LogProbs([token.Token], [token.ModelLogProb], token.TopLogProbs is { } top ? [top] : null, offsets[token.SampleIndex], texts) : null;
            offsets[token.SampleIndex] += texts.Text(token.Token).Length;
            var finish = token.Finish is { } f ? ApiGeneration.Finish(f) : null;
            if (token.TextDelta is { Length: > 0 } || lp is not null || finish is not null)
                await events.WriteAsync(new Completion(id, "text_completion", created, model,
                    [new CompletionChoice(token.SampleIndex, token.TextDelta ?? "", lp, finish)], null), ct);
        }
        await events.EndAsync<Completion>(submission, settings.IncludeUsage ? usage => new Completion(id, "text_completion", created, model, [], usage) : null, promptTokens, ct);
    }

    private static CompletionLogProbs LogProbs(IReadOnlyList<int> tokens, IReadOnlyList<float> logProbs,
        IReadOnlyList<IReadOnlyList<TokenLogProb>>? top, int offset, TokenTexts texts)
    {
        var strings = tokens.Select(texts.Text).ToList();
        var offsets = new int[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            offsets[i] = offset;
            offset += strings[i].Length;
        }
        // Alternatives whose texts coincide (two ids decoding to U+FFFD) keep the more likely one, as a dictionary must.
        var alternatives = tokens.Select((_, i) => (IReadOnlyDictionary<string, float>)(top?[i] ?? [])
            .GroupBy(t => texts.Text(t.Token)).ToDictionary(g => g.Key, g => g.Max(t => t.LogProb))).ToList();
        return new CompletionLogProbs(strings, [.. logProbs], alternatives, offsets);
    }

    private static string Prompt(RequestBody body)
    {
        if (body.Field("prompt") is not { } prompt) throw ApiException.Invalid("prompt is required: a string", "prompt");
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String)
            return prompt[0].GetString()!;
        return prompt.ValueKind == JsonValueKind.String ? prompt.GetString()! : throw RequestBody.WrongType("prompt", "a string (one prompt per request)", prompt);
    }
}
