using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fpo.Sae.Formats;

/// <summary>
/// Typed access to the fields of one JSON object in a config file; every error names the file and the field
/// (with its parent object for nested fields, e.g. 'meta.hook_name').
/// </summary>
internal sealed class ConfigFields(string path, JsonObject json, string prefix = "")
{
    public string Path => path;

    /// <summary>Parses a whole file as a JSON object; a duplicated key is an error, not last-wins.</summary>
    public static ConfigFields Parse(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path}: file is missing; a SAELens folder holds cfg.json and sae_weights.safetensors", e);
        }
        try
        {
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 32 });
            if (node is not JsonObject obj)
                throw new InvalidDataException($"{path}: the top level is {(node is null ? "null" : node.GetValueKind().ToString())}, expected a JSON object");
            return new ConfigFields(path, obj);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    public bool Has(string name) => json[name] is not null;

    /// <summary>The nested object under <paramref name="name"/>, or null when absent or JSON null.</summary>
    public ConfigFields? Object(string name) => json[name] switch
    {
        null => null,
        JsonObject o => new ConfigFields(path, o, prefix + name + "."),
        var other => throw Error(name, $"is {Text(other)}, expected an object"),
    };

    public int Int(string name, int? fallback) => Get(name, fallback, n => checked((int)IntegerValue(n)), "an integer");

    public bool Bool(string name, bool? fallback) => Get(name, fallback, n => n.GetValue<bool>(), "true or false");

    /// <summary>A string, or <paramref name="fallback"/> when the field is absent or null (required when fallback is null).</summary>
    public string String(string name, string? fallback) =>
        json[name] is { } node ? Convert(name, node, n => n.GetValue<string>(), "a string") : fallback ?? throw Error(name, "is missing");

    /// <summary>A string or null; absent and JSON null both give null.</summary>
    public string? OptionalString(string name) => json[name] is { } node ? Convert(name, node, n => n.GetValue<string>(), "a string") : null;

    public InvalidDataException Error(string name, string problem) => new($"{path}: field '{prefix}{name}' {problem}");

    // Integers written as 32.0 (SAELens allows a float k for batchtopk) are accepted when whole.
    private static long IntegerValue(JsonNode n)
    {
        if (n.GetValueKind() != JsonValueKind.Number) throw new FormatException();
        var d = n.GetValue<double>();
        if (d != Math.Floor(d) || Math.Abs(d) > int.MaxValue) throw new FormatException();
        return (long)d;
    }

    private T Get<T>(string name, T? fallback, Func<JsonNode, T> read, string expected) where T : struct =>
        json[name] is { } node ? Convert(name, node, read, expected) : fallback ?? throw Error(name, "is missing");

    private T Convert<T>(string name, JsonNode node, Func<JsonNode, T> read, string expected)
    {
        try
        {
            return read(node);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw Error(name, $"is {Text(node)}, expected {expected}");
        }
    }

    // A lone surrogate escape cannot be re-serialised either; report the value's kind instead.
    private static string Text(JsonNode node)
    {
        try
        {
            var text = node.ToJsonString();
            return text.Length > 80 ? text[..80] + "..." : text;
        }
        catch (InvalidOperationException)
        {
            return $"a {node.GetValueKind()} with an unpaired UTF-16 surrogate";
        }
    }
}
