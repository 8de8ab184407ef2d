using System.Text.Json;

namespace Fpo.Models.Training;

/// <summary>
/// The per-step metrics.jsonl of a training run. A run resumed from an older checkpoint repeats the steps after it, so
/// before it appends, the lines of those steps are dropped: the log then holds each step once, as it was finally run.
/// </summary>
public static class MetricsLog
{
    /// <summary>Rewrites <paramref name="path"/> without the lines whose "step" exceeds <paramref name="lastStep"/>
    /// (lines that are not a JSON object with an integer "step" are kept as they are).</summary>
    public static void DropStepsAfter(string path, long lastStep)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        var kept = lines.Where(line => StepOf(line) is not { } step || step <= lastStep).ToArray();
        if (kept.Length == lines.Length) return;
        var temp = path + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, path, overwrite: true);
    }

    private static long? StepOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt64(out var step)
                ? step : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
