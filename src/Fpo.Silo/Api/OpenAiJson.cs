using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fpo.Silo.Api;

/// <summary>How responses are written: snake_case names as OpenAI's, absent optional fields left out (fields OpenAI
/// always sends, such as finish_reason, are marked to be written even when null).</summary>
public static class OpenAiJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

public sealed record ChatMessage(string Role, string? Content);

/// <summary>One token's entry in chat log-probs: its text, log-probability, UTF-8 bytes and the most likely alternatives.</summary>
public sealed record ChatTokenLogProb(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogProb>? TopLogprobs);

public sealed record ChatTopLogProb(string Token, float Logprob, IReadOnlyList<int> Bytes);

public sealed record ChatLogProbs(IReadOnlyList<ChatTokenLogProb> Content);

public sealed record ChatChoice(
    int Index,
    ChatMessage Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChatLogProbs? Logprobs,
    string FinishReason);

public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage);

public sealed record ChatDelta(string? Role, string? Content);

public sealed record ChatChunkChoice(
    int Index,
    ChatDelta Delta,
    ChatLogProbs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices, Usage? Usage);

/// <summary>The legacy completions log-probs: per token its text, log-probability, the top alternatives as
/// {text: logprob} and the character offset of the token in prompt + completion.</summary>
public sealed record CompletionLogProbs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, float>> TopLogprobs,
    IReadOnlyList<int> TextOffset);

public sealed record CompletionChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] CompletionLogProbs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

public sealed record Completion(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, Usage? Usage);
