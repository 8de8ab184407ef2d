using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fpo.Grains.Embedded;

/// <summary>
/// An append-only file of one JSON event per line, the embedded run stores' durable state. A crash mid-write leaves at
/// most one torn line at the end, without its newline: reading drops it with a warning and cuts it off the file so the
/// next append starts on a fresh line. Any other line that does not parse is corruption and throws.
/// </summary>
internal static class JsonlLog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The events of <paramref name="path"/> with their 1-based line numbers; none if the file does not exist.</summary>
    public static List<(int Line, TEvent Event)> Read<TEvent>(string path, string name, ICollection<string> warnings)
    {
        var events = new List<(int, TEvent)>();
        if (!File.Exists(path)) return events;
        var bytes = File.ReadAllBytes(path);
        int start = 0, line = 0;
        while (start < bytes.Length)
        {
            line++;
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            var end = newline < 0 ? bytes.Length : newline;
            var text = Encoding.UTF8.GetString(bytes, start, end - start);
            if (text.Length > 0)
            {
                var parsed = TryParse<TEvent>(text, out var problem);
                if (parsed is not null) events.Add((line, parsed));
                else if (newline < 0)
                {
                    warnings.Add($"{name}: line {line}: dropped a torn last line ({problem}); the run stopped while writing it");
                    using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    file.SetLength(start);
                    return events;
                }
                else throw Corrupt(name, line, problem);
            }
            if (newline < 0)
            {
                File.AppendAllText(path, "\n");
                break;
            }
            start = newline + 1;
        }
        return events;
    }

    public static InvalidDataException Corrupt(string name, int line, string problem) => new($"{name}: line {line}: {problem}");

    /// <summary>An appender; the caller flushes once per operation so a batch costs one write.</summary>
    public static StreamWriter OpenAppend(string path)
    {
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
    }

    public static void Append<TEvent>(StreamWriter writer, TEvent value) => writer.WriteLine(JsonSerializer.Serialize(value, Json));

    private static TEvent? TryParse<TEvent>(string text, out string problem)
    {
        problem = "";
        try
        {
            var value = JsonSerializer.Deserialize<TEvent>(text, Json);
            if (value is null) problem = "the line is JSON null, expected an event object";
            return value;
        }
        catch (JsonException e)
        {
            problem = $"not a JSON event: {e.Message}";
            return default;
        }
    }
}
