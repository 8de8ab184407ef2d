using System.Text.Json;

namespace Fpo.Models;

/// <summary>
/// JSON can escape a lone UTF-16 surrogate ("\ud800"). System.Text.Json parses such a document but throws an
/// InvalidOperationException when the string is read; loaders look for them once, up front, to report where they are.
/// </summary>
internal static class JsonStrings
{
    /// <summary>Null when every string and key is valid UTF-16; otherwise says where the first bad one is,
    /// e.g. "a key in model.vocab" or "the string at added_tokens[1].content".</summary>
    public static string? FindInvalid(JsonElement root) => Find(root) switch
    {
        null => null,
        "" => "the top-level string",
        var at when at.EndsWith("{}", StringComparison.Ordinal) => at.Length == 2 ? "a top-level key" : $"a key in {at[1..^2]}",
        var at => $"the string at {at.TrimStart('.')}",
    };

    // The location as ".a.b[3]" (or ending in "{}" for a key of that object); built only on the way out of a failure.
    private static string? Find(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                return Readable(e.GetString) ? null : "";
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (!Readable(() => p.Name)) return "{}";
                    if (Find(p.Value) is { } at) return "." + p.Name + at;
                }
                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (Find(item) is { } at) return $"[{i}]{at}";
                    i++;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool Readable(Func<string?> read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
