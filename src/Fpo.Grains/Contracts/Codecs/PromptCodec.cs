using System.Text.Json;
using Fpo.Grains.Backbone;

namespace Fpo.Grains.Contracts.Codecs;

/// <summary>A prompt as one JSON object <c>{"id","prompt"}</c>, the line format of prompt files.</summary>
public sealed class PromptCodec : IRecordCodec<PromptRecord>
{
    public static PromptCodec Instance { get; } = new();

    public string Encode(PromptRecord value) => JsonSerializer.Serialize(new { id = value.Id, prompt = value.Text });

    public PromptRecord Decode(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"prompt record: expected a JSON object, found {root.ValueKind}");
            return new PromptRecord(Field(root, "id"), Field(root, "prompt"));
        }
        catch (JsonException e)
        {
            throw new FormatException($"prompt record: not valid JSON ({e.Message})", e);
        }
    }

    private static string Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new FormatException($"prompt record: field '{name}' is missing or not a string");
}
