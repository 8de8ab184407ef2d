using System.Text.Json;

namespace Fpo.Silo.Cli;

/// <summary>
/// The prompts of `fpo generate --prompts FILE`: JSON Lines, one object per line with a string "prompt" and an
/// optional string "id" (default: the prompt's 0-based index); blank lines are skipped. JSON rather than plain lines
/// so prompts can hold newlines.
/// </summary>
public static class PromptsFile
{
    public static List<(string Id, string Prompt)> Read(string path)
    {
        if (!File.Exists(path)) throw new CliException($"--prompts {path}: no such file");
        var prompts = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path} line {lineNumber}";
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(line);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new CliException($"{where}: not valid JSON ({e.Message})");
            }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind != JsonValueKind.String)
                throw new CliException($"{where}: expected an object with a string \"prompt\", like {{\"prompt\": \"Once upon a time\"}}");
            var id = prompts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (root.TryGetProperty("id", out var given))
                id = given.ValueKind == JsonValueKind.String ? given.GetString()! : throw new CliException($"{where}: \"id\" must be a string");
            prompts.Add((id, prompt.GetString()!));
        }
        if (prompts.Count == 0) throw new CliException($"--prompts {path}: the file has no prompts");
        return prompts;
    }
}
