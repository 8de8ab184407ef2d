using System.Text;
using System.Text.Json;
using F = Fpo.Alignment.Preferences.PreferenceJsonFields;

namespace Fpo.Alignment.Preferences;

/// <summary>
/// Preference pairs as JSONL, one object per line: <c>{"prompt","chosen","rejected"}</c> plus the optional snake_case
/// fields id, prompt_tokens/chosen_tokens/rejected_tokens, label, policy_version, judge and reference. A bad line throws
/// <see cref="PreferenceFormatException"/> naming file, line and field; blank lines are the only ones skipped.
/// A line without an id gets "file:line".
/// </summary>
public static class PreferenceJsonl
{
    public static List<PreferencePair> Read(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        return Read(reader, path);
    }

    /// <summary>Reads every pair from <paramref name="reader"/>; <paramref name="file"/> names the source in errors.</summary>
    public static List<PreferencePair> Read(TextReader reader, string file)
    {
        var pairs = new List<PreferencePair>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var number = 0;
        while (true)
        {
            string? text;
            try
            {
                text = reader.ReadLine();
            }
            catch (DecoderFallbackException)
            {
                throw new PreferenceFormatException(file, number + 1, "", "not valid UTF-8");
            }
            if (text is null) break;
            number++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var pair = new PreferenceLineParser(file, number).Parse(text);
            if (!ids.TryAdd(pair.Id, number))
                throw new PreferenceFormatException(file, number, F.Id, $"'{pair.Id}' was already used on line {ids[pair.Id]}");
            pairs.Add(pair);
        }
        return pairs;
    }

    public static void Write(string path, IEnumerable<PreferencePair> pairs)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        Write(writer, pairs);
    }

    public static void Write(TextWriter writer, IEnumerable<PreferencePair> pairs)
    {
        foreach (var pair in pairs) writer.WriteLine(ToLine(pair));
    }

    /// <summary>One pair as one JSON line (floats round-trip exactly).</summary>
    public static string ToLine(PreferencePair pair)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString(F.Id, pair.Id);
            w.WriteString(F.Prompt, pair.Prompt);
            w.WriteString(F.Chosen, pair.Chosen);
            w.WriteString(F.Rejected, pair.Rejected);
            Ints(w, F.PromptTokens, pair.PromptTokens);
            Ints(w, F.ChosenTokens, pair.ChosenTokens);
            Ints(w, F.RejectedTokens, pair.RejectedTokens);
            w.WriteNumber(F.Label, pair.Label);
            if (pair.PolicyVersion is { } version) w.WriteNumber(F.PolicyVersion, version);
            if (pair.Judge is { } judge)
            {
                w.WriteStartObject(F.Judge);
                w.WriteString(F.JudgeName, judge.Name);
                w.WriteString(F.JudgeModel, judge.Model);
                w.WriteNumber(F.ChosenFirst, judge.ChosenFirstProbability);
                w.WriteNumber(F.ChosenSecond, judge.ChosenSecondProbability);
                w.WriteEndObject();
            }
            if (pair.Reference is { } reference) Reference(w, reference);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Reference(Utf8JsonWriter w, ReferenceData r)
    {
        w.WriteStartObject(F.Reference);
        w.WriteNumber(F.ChosenSum, r.ChosenLogProbSum);
        w.WriteNumber(F.RejectedSum, r.RejectedLogProbSum);
        w.WriteNumber(F.ChosenMean, r.ChosenLogProbMean);
        w.WriteNumber(F.RejectedMean, r.RejectedLogProbMean);
        if (r.SaeLayer is { } layer) w.WriteNumber(F.SaeLayer, layer);
        if (r.SaeId is { } id) w.WriteString(F.SaeId, id);
        Features(w, F.ChosenFeatures, r.ChosenFeatures);
        Features(w, F.RejectedFeatures, r.RejectedFeatures);
        w.WriteEndObject();
    }

    private static void Features(Utf8JsonWriter w, string name, SparseFeatures? features)
    {
        if (features is null) return;
        w.WriteStartObject(name);
        Ints(w, F.Latents, features.Latents);
        w.WriteStartArray(F.Values);
        foreach (var v in features.Values) w.WriteNumberValue(v);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Ints(Utf8JsonWriter w, string name, int[]? values)
    {
        if (values is null) return;
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}
