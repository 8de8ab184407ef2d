using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// <c>explanations.json</c> in an SAE folder: <c>{"explanations": {"&lt;latent&gt;": {"explanation", "score",
/// "no_score_reason", "model", "date", "contexts_simulated", "simulations_failed"}}}</c>. Saving merges into what is
/// there (a latent explained again is replaced, others are kept, unknown fields of the file are kept) and replaces the
/// file atomically, so a crash leaves the old file or the new one, never half of one.
/// </summary>
public static class ExplanationStore
{
    public const string FileName = "explanations.json";

    public static IReadOnlyDictionary<int, FeatureExplanation> Load(string saeDir)
    {
        var path = Path.Combine(saeDir, FileName);
        var result = new SortedDictionary<int, FeatureExplanation>();
        if (!File.Exists(path)) return result;
        foreach (var (key, node) in Entries(ReadRoot(path), path))
        {
            if (!int.TryParse(key, out var latent) || latent < 0) throw new InvalidDataException($"{path}: explanations.{key}: not a latent index");
            try
            {
                var e = node!.AsObject();
                result[latent] = new FeatureExplanation(latent, (string)e["explanation"]!, (double?)e["score"], (string?)e["no_score_reason"],
                    (string)e["model"]!, DateTimeOffset.Parse((string)e["date"]!, System.Globalization.CultureInfo.InvariantCulture),
                    (int?)e["contexts_simulated"] ?? 0, (int?)e["simulations_failed"] ?? 0);
            }
            catch (Exception ex) when (ex is InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{path}: explanations.{key}: {ex.Message}");
            }
        }
        return result;
    }

    public static void Save(string saeDir, IEnumerable<FeatureExplanation> explanations)
    {
        var path = Path.Combine(saeDir, FileName);
        var root = File.Exists(path) ? ReadRoot(path) : new JsonObject();
        var entries = Entries(root, path);
        foreach (var e in explanations)
        {
            entries[e.Latent.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["explanation"] = e.Explanation,
                ["score"] = e.Score,
                ["no_score_reason"] = e.NoScoreReason,
                ["model"] = e.Model,
                ["date"] = e.Date.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["contexts_simulated"] = e.ContextsSimulated,
                ["simulations_failed"] = e.SimulationsFailed,
            };
        }
        var sorted = new JsonObject();
        foreach (var (key, node) in entries.OrderBy(kv => int.TryParse(kv.Key, out var i) ? i : int.MaxValue).ToList())
        {
            entries.Remove(key);
            sorted[key] = node;
        }
        root["explanations"] = sorted;
        var temp = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    private static JsonObject ReadRoot(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object at the top");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
    }

    private static JsonObject Entries(JsonObject root, string path)
    {
        if (root["explanations"] is null) root["explanations"] = new JsonObject();
        return root["explanations"] as JsonObject ?? throw new InvalidDataException($"{path}: \"explanations\" is not an object");
    }
}
