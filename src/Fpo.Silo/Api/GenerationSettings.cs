using System.Text.Json;
using Fpo.Models.Sampling;

namespace Fpo.Silo.Api;

/// <summary>
/// The request fields both endpoints share: n, temperature, top_p, top_k, min_p and the penalties, max_tokens
/// (or max_completion_tokens), stop, seed, logit_bias, stream (with stream_options.include_usage) and ignore_eos. top_k, min_p,
/// repetition_penalty and ignore_eos are extensions (as vLLM's).
/// </summary>
public sealed record GenerationSettings(int N, SamplingParams Sampling, int? MaxTokens, IReadOnlyList<string> Stop, ulong? Seed,
    bool Stream, bool IncludeUsage, bool IgnoreEos)
{
    /// <summary>Most samples per request.</summary>
    public const int MaxN = 64;

    /// <summary>Most stop strings per request.</summary>
    public const int MaxStops = 16;

    public static GenerationSettings Read(RequestBody body, int vocabSize)
    {
        var sampling = new SamplingParams
        {
            Temperature = body.Number("temperature", t => t >= 0, "must be finite and >= 0 (0 is greedy)") ?? 1f,
            TopP = body.Number("top_p", p => p > 0 && p <= 1, "must be in (0, 1]") ?? 1f,
            TopK = ReadTopK(body),
            MinP = body.Number("min_p", p => p >= 0 && p < 1, "must be in [0, 1)") ?? 0f,
            PresencePenalty = body.Number("presence_penalty", p => p >= -2 && p <= 2, "must be in [-2, 2]") ?? 0f,
            FrequencyPenalty = body.Number("frequency_penalty", p => p >= -2 && p <= 2, "must be in [-2, 2]") ?? 0f,
            RepetitionPenalty = body.Number("repetition_penalty", p => p > 0, "must be > 0 (1 is off)") ?? 1f,
            LogitBias = ReadLogitBias(body, vocabSize),
        };
        var maxTokens = body.Integer("max_completion_tokens", 1, int.MaxValue) ?? body.Integer("max_tokens", 1, int.MaxValue);
        var options = body.Field("stream_options");
        if (options is { ValueKind: not JsonValueKind.Object } o) throw RequestBody.WrongType("stream_options", "an object", o);
        var includeUsage = options is { } opts && opts.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
        return new GenerationSettings(
            body.Integer("n", 1, MaxN) ?? 1, sampling, maxTokens, ReadStops(body), ReadSeed(body),
            body.Bool("stream") ?? false, includeUsage, body.Bool("ignore_eos") ?? false);
    }

    // OpenAI's logit_bias: {"token id": bias in [-100, 100]}, added to the logits before sampling.
    private static Dictionary<int, float>? ReadLogitBias(RequestBody body, int vocabSize)
    {
        if (body.Field("logit_bias") is not { } bias) return null;
        if (bias.ValueKind != JsonValueKind.Object) throw RequestBody.WrongType("logit_bias", "an object of token id to bias", bias);
        var result = new Dictionary<int, float>();
        foreach (var entry in bias.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id >= vocabSize)
                throw ApiException.Invalid($"logit_bias: '{entry.Name}' is not a token id in [0, {vocabSize})", "logit_bias");
            if (entry.Value.ValueKind != JsonValueKind.Number || entry.Value.GetDouble() is < -100 or > 100)
                throw ApiException.Invalid($"logit_bias: the bias of token {id} must be a number in [-100, 100]", "logit_bias");
            result[id] = (float)entry.Value.GetDouble();
        }
        return result;
    }

    // vLLM's convention: -1 (like 0) keeps every token.
    private static int ReadTopK(RequestBody body) => body.Integer("top_k", -1, int.MaxValue) is { } k ? Math.Max(0, k) : 0;

    private static ulong? ReadSeed(RequestBody body) => body.Integer("seed") is { } seed ? unchecked((ulong)seed) : null;

    private static List<string> ReadStops(RequestBody body)
    {
        if (body.Field("stop") is not { } stop) return [];
        List<string> stops = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array => [.. stop.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String
                ? s.GetString()! : throw RequestBody.WrongType("stop", "a string or an array of strings", s))],
            _ => throw RequestBody.WrongType("stop", "a string or an array of strings", stop),
        };
        if (stops.Count > MaxStops) throw ApiException.Invalid($"stop has {stops.Count} strings, at most {MaxStops} are allowed", "stop");
        if (stops.Any(string.IsNullOrEmpty)) throw ApiException.Invalid("stop strings must not be empty", "stop");
        return stops;
    }
}
