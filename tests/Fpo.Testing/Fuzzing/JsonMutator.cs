using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fpo.Testing.Fuzzing;

/// <summary>
/// Structured damage to a valid JSON document: a value replaced by one of another type or a hostile number, an
/// entry deleted or added, a key duplicated, a value buried in deep nesting. The target is found by a random walk
/// from the root, so top-level keys are hit about as often as entries of a large table.
/// </summary>
/// <param name="words">Strings the format gives meaning to (type names, keys), so replacements are sometimes
/// plausible rather than always absurd.</param>
public sealed class JsonMutator(string[] words)
{
    public static readonly string[] Kinds = ["Replace", "Delete", "Add", "DuplicateKey", "Nest", "Several"];

    // Later mutations need a tree, which cannot hold a duplicated key.
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    private const string Marker = "@@fuzz-marker@@";
    private const string KeyMarker = "@@fuzz-key@@";

    // Pieces of JSON string literals, including escapes a C# string cannot carry into the document: lone surrogates.
    private static readonly string[] StringPieces =
    [
        "a", "Ġ", "é", " ", "\\u00e9", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\ud83d", "\\\"", "\\\\", "\\n", "\\u0000", "\\t",
        "<|endoftext|>", "🙂",
    ];

    private static readonly string[] Numbers =
    [
        "0", "1", "2", "3", "4", "8", "-1", "-2", "-0", "0.5", "1.5", "2.0", "1e-9", "1E2", "255", "256", "65535",
        "1000000", "2000000000", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e30", "-1e30", "2e9", "1e6", "1e308",
        "1e400", "100000000000000000000000000000",
    ];

    /// <summary>Returns the mutated document as text and the kind of mutation.</summary>
    public (string Json, string Kind) Mutate(Random random, string json)
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        if (JsonNode.Parse(json, documentOptions: Strict) is not { } root)
            return ("{}", kind);
        if (kind == "Several")
        {
            var text = json;
            for (var n = random.Next(2, 5); n > 0; n--)
            {
                // Stop once a step has made a document that no longer reads as a tree (nesting, a duplicate, a lone surrogate).
                try
                {
                    text = Mutate(random, text).Json;
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException)
                {
                    break;
                }
            }
            return (text, kind);
        }
        var (parent, key, index) = Walk(random, root);
        switch (kind)
        {
            case "Replace":
                if (parent is null) return (RandomValue(random, root), kind);
                Set(parent, key, index, Marker);
                return (Substitute(root, RandomValue(random, root)), kind);
            case "Delete":
                if (parent is JsonObject o) o.Remove(key!);
                else if (parent is JsonArray a) a.RemoveAt(index);
                return (root.ToJsonString(), kind);
            case "Add":
                if (Child(root, parent, key, index) is JsonObject target)
                {
                    if (random.Next(4) == 0)
                    {
                        target[KeyMarker] = Marker;
                        return (Substitute(root, RandomValue(random, root)).Replace(Quote(KeyMarker), RandomString(random), StringComparison.Ordinal), kind);
                    }
                    target[random.Next(2) == 0 ? words[random.Next(words.Length)] : "fuzz"] = Marker;
                }
                else if (parent is JsonArray a)
                    a.Insert(random.Next(a.Count + 1), Marker);
                else return (root.ToJsonString(), kind);
                return (Substitute(root, RandomValue(random, root)), kind);
            case "DuplicateKey":
                if (parent is not JsonObject dup) return (root.ToJsonString(), kind);
                var original = dup[key!]?.ToJsonString() ?? "null";
                dup[key!] = Marker;
                var second = random.Next(2) == 0 ? original : RandomValue(random, root);
                var pair = random.Next(2) == 0 ? $"{original},{Quote(key!)}:{second}" : $"{second},{Quote(key!)}:{original}";
                return (Substitute(root, pair), kind);
            default:
                var depth = random.Next(2) == 0 ? random.Next(1, 70) : random.Next(200, 3000);
                var inner = Child(root, parent, key, index)?.ToJsonString() ?? "null";
                var nested = random.Next(2) == 0
                    ? new string('[', depth) + inner + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + inner + new string('}', depth);
                if (parent is null) return (nested, kind);
                Set(parent, key, index, Marker);
                return (Substitute(root, nested), kind);
        }
    }

    // Descends from the root into random children, stopping at each level with probability 1/3.
    private static (JsonNode? Parent, string? Key, int Index) Walk(Random random, JsonNode root)
    {
        (JsonNode? parent, string? key, int index) at = (null, null, -1);
        var node = root;
        while (random.Next(3) != 0)
        {
            if (node is JsonObject o && o.Count > 0)
            {
                var (k, child) = o.ElementAt(random.Next(o.Count));
                at = (o, k, -1);
                node = child;
            }
            else if (node is JsonArray a && a.Count > 0)
            {
                var i = random.Next(a.Count);
                at = (a, null, i);
                node = a[i];
            }
            else break;
            if (node is null) break;
        }
        return at;
    }

    private static JsonNode? Child(JsonNode root, JsonNode? parent, string? key, int index) =>
        parent is null ? root : parent is JsonObject o ? o[key!] : parent.AsArray()[index];

    private static void Set(JsonNode parent, string? key, int index, JsonNode value)
    {
        if (parent is JsonObject o) o[key!] = value;
        else parent.AsArray()[index] = value;
    }

    private static string Substitute(JsonNode root, string replacement) =>
        root.ToJsonString().Replace(Quote(Marker), replacement, StringComparison.Ordinal);

    private static string Quote(string s) => JsonValue.Create(s).ToJsonString();

    private string RandomValue(Random random, JsonNode root) => random.Next(9) switch
    {
        0 or 1 or 2 => Numbers[random.Next(Numbers.Length)],
        3 => random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture) + (random.Next(2) == 0 ? "" : ".25"),
        4 => Quote(words[random.Next(words.Length)]),
        5 => random.Next(4) switch { 0 => "null", 1 => "true", 2 => "false", _ => Quote(random.Next(2) == 0 ? "" : new string('x', random.Next(1, 5000))) },
        6 => random.Next(4) switch
        {
            0 => "[]",
            1 => "{}",
            2 => "[" + string.Join(",", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Numbers[random.Next(Numbers.Length)])) + "]",
            _ => "{" + Quote(words[random.Next(words.Length)]) + ":" + Quote(words[random.Next(words.Length)]) + "}",
        },
        7 => RandomString(random),
        _ => AnyNode(random, root),
    };

    // A copy of some other value of the document, so types and shapes that occur elsewhere turn up in new places.
    private static string AnyNode(Random random, JsonNode root)
    {
        var (parent, key, index) = Walk(random, root);
        return Child(root, parent, key, index)?.ToJsonString() ?? "null";
    }

    // A JSON string literal, quotes included.
    private static string RandomString(Random random)
    {
        var text = new StringBuilder("\"");
        for (var n = random.Next(0, 6); n > 0; n--)
            text.Append(StringPieces[random.Next(StringPieces.Length)]);
        return text.Append('"').ToString();
    }
}
