using System.Text;
using System.Text.Json;
using Fpo.Models.Generation;

namespace Fpo.Silo.Api;

/// <summary>
/// POST /v1/chat/completions: the messages go through the chat template, the reply is sampled by the shared engine.
/// Log-probs (logprobs: true, top_logprobs: N) are those of the model's own distribution (log_softmax of the raw
/// logits, before temperature, top-k/top-p and penalties), for every generated token including a final stop token.
/// </summary>
public static class ChatCompletionsApi
{
    /// <summary>Most alternatives per position, as OpenAI's limit.</summary>
    public const int MaxTopLogProbs = 20;

    public static void Map(WebApplication app) => app.MapPost("/v1/chat/completions", CreateAsync);

    private static async Task<IResult> CreateAsync(HttpContext http, GenerationService service, ServerOptions options, ChatTemplate template, TokenTexts texts)
    {
        var body = await RequestBody.ReadAsync(http.Request);
        ApiGeneration.CheckModel(body, options);
        var messages = Messages(body);
        var settings = GenerationSettings.Read(body, service.Model.Config.VocabSize);
        var logprobs = body.Bool("logprobs") ?? false;
        var top = body.Integer("top_logprobs", 0, MaxTopLogProbs) ?? 0;
        if (top > 0 && !logprobs) throw ApiException.Invalid("top_logprobs needs logprobs: true", "top_logprobs");

        var tokenizer = service.Tokenizer;
        var prompt = template.Encode(messages, tokenizer);
        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var request = ApiGeneration.Request(service, id, prompt, "messages", settings, top,
            template.StopTokenIds(tokenizer), template.StopStrings(tokenizer), http.RequestAborted);
        var submission = ApiGeneration.Submit(http, service, request, settings.Stream);
        var created = ApiGeneration.Now();
        if (settings.Stream)
        {
            await StreamAsync(http, submission, id, created, options.ModelName, settings, logprobs, prompt.Length, texts);
            return Results.Empty;
        }
        var result = await ApiGeneration.ResultAsync(submission);
        var choices = result.Samples.Select(s => new ChatChoice(s.Index, new ChatMessage("assistant", s.Text),
            logprobs ? new ChatLogProbs([.. s.Tokens.Select((t, i) => Entry(t, s.ModelLogProbs[i], s.TopLogProbs?[i], texts))]) : null,
            ApiGeneration.Finish(s.FinishReason))).ToList();
        return TypedResults.Json(new ChatCompletion(id, "chat.completion", created, options.ModelName, choices,
            ApiGeneration.Usage(prompt.Length, result.Samples)), OpenAiJson.Options);
    }

    private static async Task StreamAsync(HttpContext http, Submission submission, string id, long created, string model,
        GenerationSettings settings, bool logprobs, int promptTokens, TokenTexts texts)
    {
        var ct = http.RequestAborted;
        var events = new ServerSentEvents(http.Response);
        ChatCompletionChunk Chunk(ChatChunkChoice choice) => new(id, "chat.completion.chunk", created, model, [choice], null);
        for (var i = 0; i < settings.N; i++)
            await events.WriteAsync(Chunk(new ChatChunkChoice(i, new ChatDelta("assistant", ""), null, null)), ct);
        await foreach (var token in submission.Tokens!.Reader.ReadAllAsync(ct))
        {
            if (token.TextDelta is { Length: > 0 } || logprobs)
                await events.WriteAsync(Chunk(new ChatChunkChoice(token.SampleIndex, new ChatDelta(null, token.TextDelta ?? ""),
                    logprobs ? new ChatLogProbs([Entry(token.Token, token.ModelLogProb, token.TopLogProbs, texts)]) : null, null)), ct);
            if (token.Finish is { } finish)
                await events.WriteAsync(Chunk(new ChatChunkChoice(token.SampleIndex, new ChatDelta(null, null), null, ApiGeneration.Finish(finish))), ct);
        }
        await events.EndAsync<ChatCompletionChunk>(submission, settings.IncludeUsage ? usage => new ChatCompletionChunk(id, "chat.completion.chunk", created, model, [], usage) : null, promptTokens, ct);
    }

    private static ChatTokenLogProb Entry(int token, float logProb, IReadOnlyList<TokenLogProb>? top, TokenTexts texts) =>
        new(texts.Text(token), logProb, texts.Bytes(token),
            [.. (top ?? []).Select(t => new ChatTopLogProb(texts.Text(t.Token), t.LogProb, texts.Bytes(t.Token)))]);

    private static List<(string Role, string Content)> Messages(RequestBody body)
    {
        if (body.Field("messages") is not { } messages) throw ApiException.Invalid("messages is required: a non-empty array of {role, content}", "messages");
        if (messages.ValueKind != JsonValueKind.Array) throw RequestBody.WrongType("messages", "an array", messages);
        if (messages.GetArrayLength() == 0) throw ApiException.Invalid("messages is empty: give at least one message", "messages");
        var list = new List<(string, string)>();
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var name = $"messages[{i++}]";
            if (message.ValueKind != JsonValueKind.Object) throw RequestBody.WrongType(name, "an object with role and content", message);
            var fields = new RequestBody(message);
            var role = fields.String("role") ?? throw ApiException.Invalid($"{name}.role is required", $"{name}.role");
            list.Add((role, Content(fields.Field("content"), $"{name}.content")));
        }
        return list;
    }

    // A string, or an array of parts of which the text parts are joined (other kinds need a multimodal model).
    private static string Content(JsonElement? content, string name)
    {
        if (content is not { } value) return "";
        if (value.ValueKind == JsonValueKind.String) return value.GetString()!;
        if (value.ValueKind != JsonValueKind.Array) throw RequestBody.WrongType(name, "a string or an array of text parts", value);
        var text = new StringBuilder();
        foreach (var part in value.EnumerateArray())
        {
            var fields = part.ValueKind == JsonValueKind.Object ? new RequestBody(part) : throw RequestBody.WrongType(name, "an array of text parts", part);
            if (fields.String("type") != "text") throw ApiException.Invalid($"{name}: only parts of type \"text\" are supported by this model", name);
            text.Append(fields.String("text") ?? throw ApiException.Invalid($"{name}: a text part needs \"text\"", name));
        }
        return text.ToString();
    }
}
