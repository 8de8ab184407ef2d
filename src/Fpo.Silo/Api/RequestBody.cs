using System.Globalization;
using System.Text.Json;

namespace Fpo.Silo.Api;

/// <summary>
/// A request's JSON body with typed field access: a field of the wrong type or out of range is a 400 naming the
/// field (OpenAI's "param"), not a silent default. A JSON null counts as absent, as in OpenAI's API.
/// </summary>
public sealed class RequestBody(JsonElement root)
{
    /// <summary>Parses the body (bounded by the server's body limit; over it Kestrel throws a 413).</summary>
    public static async Task<RequestBody> ReadAsync(HttpRequest request)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"the body must be a JSON object, got {Kind(document.RootElement)}");
            return new RequestBody(document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw ApiException.Invalid($"the body is not valid JSON: {e.Message}", code: "invalid_json");
        }
    }

    public JsonElement? Field(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(string name) => Field(name) is not { } v ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : throw WrongType(name, "a string", v);

    public bool? Bool(string name) => Field(name) is not { } v ? null
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw WrongType(name, "a boolean", v);

    public double? Number(string name) => Field(name) is not { } v ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw WrongType(name, "a number", v);

    public long? Integer(string name)
    {
        if (Field(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var integer)) return integer;
        throw WrongType(name, "an integer", v);
    }

    /// <summary>An integer field that must lie in [min, max].</summary>
    public int? Integer(string name, int min, int max)
    {
        if (Integer(name) is not { } value) return null;
        if (value < min || value > max)
            throw ApiException.Invalid(string.Create(CultureInfo.InvariantCulture, $"{name} is {value}, must be in [{min}, {max}]"), name);
        return (int)value;
    }

    /// <summary>A number field that must be finite and pass <paramref name="ok"/>, else 400 with <paramref name="rule"/>.</summary>
    public float? Number(string name, Func<double, bool> ok, string rule)
    {
        if (Number(name) is not { } value) return null;
        if (!double.IsFinite(value) || !ok(value))
            throw ApiException.Invalid(string.Create(CultureInfo.InvariantCulture, $"{name} is {value}, it {rule}"), name);
        return (float)value;
    }

    public static ApiException WrongType(string name, string expected, JsonElement value) =>
        ApiException.Invalid($"{name} must be {expected}, got {Kind(value)}", name, "invalid_type");

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
