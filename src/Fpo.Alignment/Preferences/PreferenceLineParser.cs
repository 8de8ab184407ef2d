using System.Text.Json;
using F = Fpo.Alignment.Preferences.PreferenceJsonFields;

namespace Fpo.Alignment.Preferences;

/// <summary>One JSONL line to a <see cref="PreferencePair"/>, strictly: every field is type- and range-checked, unknown
/// fields are errors (they would otherwise be lost on the way back out).</summary>
internal readonly struct PreferenceLineParser(string file, int line)
{
    public PreferencePair Parse(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Fail("", $"not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Fail("", $"expected a JSON object, found {root.ValueKind}");
            CheckKnown(root, "", F.Pair);
            var tokens = (Tokens(root, F.PromptTokens, allowEmpty: true), Tokens(root, F.ChosenTokens, false), Tokens(root, F.RejectedTokens, false));
            var present = (tokens.Item1 is null ? 0 : 1) + (tokens.Item2 is null ? 0 : 1) + (tokens.Item3 is null ? 0 : 1);
            if (present is 1 or 2)
                throw Fail(tokens.Item1 is null ? F.PromptTokens : tokens.Item2 is null ? F.ChosenTokens : F.RejectedTokens,
                    "missing: give prompt_tokens, chosen_tokens and rejected_tokens together or none of them");
            return new PreferencePair
            {
                Id = OptionalString(root, F.Id, "") ?? $"{Path.GetFileName(file)}:{line}",
                Prompt = String(root, F.Prompt, ""),
                Chosen = String(root, F.Chosen, ""),
                Rejected = String(root, F.Rejected, ""),
                PromptTokens = tokens.Item1,
                ChosenTokens = tokens.Item2,
                RejectedTokens = tokens.Item3,
                Label = root.TryGetProperty(F.Label, out var label) ? Probability(label, F.Label) : 1.0,
                PolicyVersion = root.TryGetProperty(F.PolicyVersion, out var version) ? NonNegativeLong(version, F.PolicyVersion) : null,
                Judge = root.TryGetProperty(F.Judge, out var judge) ? Judge(judge) : null,
                Reference = root.TryGetProperty(F.Reference, out var reference) ? Reference(reference) : null,
            };
        }
    }

    private JudgeMetadata Judge(JsonElement e)
    {
        const string at = F.Judge + ".";
        if (e.ValueKind != JsonValueKind.Object) throw Fail(F.Judge, $"expected an object, found {e.ValueKind}");
        CheckKnown(e, at, F.JudgeFields);
        return new JudgeMetadata(String(e, F.JudgeName, at), String(e, F.JudgeModel, at),
            Probability(Required(e, F.ChosenFirst, at), at + F.ChosenFirst), Probability(Required(e, F.ChosenSecond, at), at + F.ChosenSecond));
    }

    private ReferenceData Reference(JsonElement e)
    {
        const string at = F.Reference + ".";
        if (e.ValueKind != JsonValueKind.Object) throw Fail(F.Reference, $"expected an object, found {e.ValueKind}");
        CheckKnown(e, at, F.ReferenceFields);
        var chosen = e.TryGetProperty(F.ChosenFeatures, out var c) ? Features(c, at + F.ChosenFeatures) : null;
        var rejected = e.TryGetProperty(F.RejectedFeatures, out var r) ? Features(r, at + F.RejectedFeatures) : null;
        int? layer = e.TryGetProperty(F.SaeLayer, out var l) ? (int)Math.Min(NonNegativeLong(l, at + F.SaeLayer), int.MaxValue) : null;
        var sae = OptionalString(e, F.SaeId, at);
        if ((chosen is null) != (rejected is null))
            throw Fail(at + (chosen is null ? F.ChosenFeatures : F.RejectedFeatures), "missing: chosen_features and rejected_features come together");
        if (chosen is not null && layer is null) throw Fail(at + F.SaeLayer, "missing: features need the SAE layer they were read at");
        return new ReferenceData
        {
            ChosenLogProbSum = LogProb(Required(e, F.ChosenSum, at), at + F.ChosenSum),
            RejectedLogProbSum = LogProb(Required(e, F.RejectedSum, at), at + F.RejectedSum),
            ChosenLogProbMean = LogProb(Required(e, F.ChosenMean, at), at + F.ChosenMean),
            RejectedLogProbMean = LogProb(Required(e, F.RejectedMean, at), at + F.RejectedMean),
            ChosenFeatures = chosen,
            RejectedFeatures = rejected,
            SaeLayer = layer,
            SaeId = sae,
        };
    }

    private SparseFeatures Features(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Fail(field, $"expected an object with latents and values, found {e.ValueKind}");
        CheckKnown(e, field + ".", F.FeatureFields);
        var latents = Required(e, F.Latents, field + ".");
        var values = Required(e, F.Values, field + ".");
        if (latents.ValueKind != JsonValueKind.Array) throw Fail(field + "." + F.Latents, $"expected an array, found {latents.ValueKind}");
        if (values.ValueKind != JsonValueKind.Array) throw Fail(field + "." + F.Values, $"expected an array, found {values.ValueKind}");
        var ids = new int[latents.GetArrayLength()];
        var i = 0;
        foreach (var item in latents.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id) || id < 0)
                throw Fail($"{field}.{F.Latents}[{i}]", $"'{item.GetRawText()}' is not a latent index (a non-negative 32-bit integer)");
            if (i > 0 && id <= ids[i - 1]) throw Fail($"{field}.{F.Latents}[{i}]", $"{id} does not follow {ids[i - 1]}: latents must be strictly ascending");
            ids[i++] = id;
        }
        var vals = new float[values.GetArrayLength()];
        if (vals.Length != ids.Length) throw Fail(field + "." + F.Values, $"{vals.Length} values for {ids.Length} latents");
        i = 0;
        foreach (var item in values.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out var v) || !float.IsFinite(v))
                throw Fail($"{field}.{F.Values}[{i}]", $"'{item.GetRawText()}' is not a finite number");
            vals[i++] = v;
        }
        return new SparseFeatures(ids, vals);
    }

    private int[]? Tokens(JsonElement root, string field, bool allowEmpty)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.Array) throw Fail(field, $"expected an array of token ids, found {e.ValueKind}");
        var ids = new int[e.GetArrayLength()];
        if (ids.Length == 0 && !allowEmpty) throw Fail(field, "empty: a response needs at least one token");
        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id) || id < 0)
                throw Fail($"{field}[{i}]", $"'{item.GetRawText()}' is not a token id (a non-negative 32-bit integer)");
            ids[i++] = id;
        }
        return ids;
    }

    private double Probability(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var p) || !double.IsFinite(p))
            throw Fail(field, $"'{e.GetRawText()}' is not a number");
        if (p is < 0 or > 1) throw Fail(field, $"{p} is not a probability in [0, 1]");
        return p;
    }

    private double LogProb(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v))
            throw Fail(field, $"'{e.GetRawText()}' is not a finite number");
        if (v > 0) throw Fail(field, $"{v} is not a log-probability (must be <= 0)");
        return v;
    }

    private long NonNegativeLong(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var v) || v < 0)
            throw Fail(field, $"'{e.GetRawText()}' is not a non-negative integer");
        return v;
    }

    private string String(JsonElement e, string name, string at) => OptionalString(e, name, at) ?? throw Fail(at + name, "missing");

    private string? OptionalString(JsonElement e, string name, string at)
    {
        if (!e.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.String) throw Fail(at + name, $"expected a string, found {value.ValueKind}");
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            throw Fail(at + name, "the string holds a lone UTF-16 surrogate escape");
        }
    }

    private JsonElement Required(JsonElement e, string name, string at) =>
        e.TryGetProperty(name, out var value) ? value : throw Fail(at + name, "missing");

    private void CheckKnown(JsonElement e, string at, string[] known)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (Array.IndexOf(known, p.Name) < 0)
                throw Fail(at + p.Name, $"unknown field (known: {string.Join(", ", known)}); it would be lost on rewrite");
            if (!seen.Add(p.Name)) throw Fail(at + p.Name, "appears twice");
        }
    }

    private PreferenceFormatException Fail(string field, string problem) => new(file, line, field, problem);
}
