using System.Text.Encodings.Web;
using System.Text.Json;
using Fpo.Models.Generation;

namespace Fpo.Silo.Cli;

/// <summary>
/// The document `fpo generate --json` prints: every result with its prompt, seed and samples (tokens, text, finish
/// reason, the stop that fired, and per token the log-probability under the raw model and under the sampling
/// distribution), then the usage totals.
/// </summary>
public static class GenerationJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(IReadOnlyList<GenerationResult> results, IReadOnlyList<(string Text, int[] Tokens)> prompts, GenerationSummary summary)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Options))
        {
            json.WriteStartObject();
            json.WriteString("model", summary.ModelDir);
            json.WriteNumber("seed", summary.Seed);
            json.WriteStartArray("results");
            for (var r = 0; r < results.Count; r++) WriteResult(json, results[r], prompts[r]);
            json.WriteEndArray();
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", prompts.Sum(p => p.Tokens.Length));
            json.WriteNumber("generated_tokens", summary.GeneratedTokens);
            json.WriteNumber("seconds", Math.Round(summary.Seconds, 4));
            json.WriteNumber("tokens_per_second", Math.Round(summary.TokensPerSecond, 2));
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteResult(Utf8JsonWriter json, GenerationResult result, (string Text, int[] Tokens) prompt)
    {
        json.WriteStartObject();
        json.WriteString("id", result.RequestId);
        json.WriteString("prompt", prompt.Text);
        WriteArray(json, "prompt_tokens", prompt.Tokens, json.WriteNumberValue);
        json.WriteNumber("seed", result.Seed);
        if (result.Error is { } error) json.WriteString("error", error);
        else json.WriteNull("error");
        json.WriteStartArray("samples");
        foreach (var s in result.Samples)
        {
            json.WriteStartObject();
            json.WriteNumber("index", s.Index);
            json.WriteString("text", s.Text);
            json.WriteString("finish_reason", s.FinishReason == FinishReason.Stop ? "stop" : "length");
            json.WriteString("stop", s.StopString);
            if (s.StopTokenId is { } id) json.WriteNumber("stop_token_id", id);
            else json.WriteNull("stop_token_id");
            WriteArray(json, "tokens", s.Tokens, json.WriteNumberValue);
            WriteArray(json, "model_logprobs", s.ModelLogProbs, json.WriteNumberValue);
            WriteArray(json, "sampling_logprobs", s.SamplingLogProbs, json.WriteNumberValue);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteArray<T>(Utf8JsonWriter json, string name, IEnumerable<T> values, Action<T> write)
    {
        json.WriteStartArray(name);
        foreach (var v in values) write(v);
        json.WriteEndArray();
    }
}
