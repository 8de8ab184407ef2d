using System.Text.Json;

namespace Fpo.Models.Tokenization;

/// <summary>
/// Reads and writes Hugging Face's tokenizer.json for byte-level BPE models (GPT-2, Llama 3, Qwen 2 families).
/// Format errors are <see cref="TokenizerFormatException"/>s; valid files that use features this tokenizer does not
/// implement are <see cref="NotSupportedException"/>s; both name the file and the field.
/// </summary>
public static partial class HuggingFaceTokenizerFile
{
    /// <summary>Loads tokenizer.json; bos/eos come from a tokenizer_config.json beside it when there is one.</summary>
    public static BpeTokenizer Load(string path)
    {
        using var doc = ParseJson(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{path}: the top level is a JSON {root.ValueKind}, expected an object");
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{path}: has no 'model' object");
        CheckModel(path, model);

        var source = new TokenizerSource(path, "model.vocab", path, i => $"model.merges[{i}]");
        var options = ReadOptions(path, root, model);
        return BpeTokenizer.Create(ReadVocab(path, model), ReadMerges(path, model), ReadAddedTokens(path, root), options, source);
    }

    private static JsonDocument ParseJson(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path}: not valid JSON: {e.Message}", e);
        }
        if (JsonStrings.FindInvalid(doc.RootElement) is not { } bad)
            return doc;
        doc.Dispose();
        throw new TokenizerFormatException($"{path}: {bad} has an unpaired UTF-16 surrogate escape such as \\ud800");
    }

    private static void CheckModel(string path, JsonElement model)
    {
        var type = OptionalString(path, model, "model.type", "type");
        if (type is not null and not "BPE")
            throw new TokenizerFormatException($"{path}: model.type is '{type}'; only byte-level 'BPE' models can be read");
        if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"{path}: model.byte_fallback is true (a SentencePiece-style BPE); only byte-level BPE is supported");
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (OptionalString(path, model, $"model.{affix}", affix) is { Length: > 0 } value)
                throw new NotSupportedException($"{path}: model.{affix} is '{value}'; byte-level BPE with word affixes is not supported");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            throw new NotSupportedException($"{path}: model.dropout is {dropout.GetDouble()}; BPE dropout is not supported");
    }

    private static Dictionary<string, int> ReadVocab(string path, JsonElement model)
    {
        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{path}: model.vocab is missing or not an object");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabJson.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id))
                throw new TokenizerFormatException($"{path}: model.vocab['{entry.Name}'] is {entry.Value.GetRawText()}, not an integer id");
            if (!vocab.TryAdd(entry.Name, id))
                throw new TokenizerFormatException($"{path}: model.vocab lists token '{entry.Name}' twice");
        }
        return vocab;
    }

    private static List<(string, string)> ReadMerges(string path, JsonElement model)
    {
        if (!model.TryGetProperty("merges", out var mergesJson) || mergesJson.ValueKind != JsonValueKind.Array)
            throw new TokenizerFormatException($"{path}: model.merges is missing or not an array");
        var merges = new List<(string, string)>(mergesJson.GetArrayLength());
        var i = 0;
        foreach (var m in mergesJson.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String && m.GetString()!.Split(' ') is [var a, var b])
                merges.Add((a, b));
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                     && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            else
                throw new TokenizerFormatException(
                    $"{path}: model.merges[{i}] is {m.GetRawText()}; expected \"left right\" (one space) or [\"left\", \"right\"]");
            i++;
        }
        return merges;
    }

    private static List<AddedToken> ReadAddedTokens(string path, JsonElement root)
    {
        var added = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
            return added;
        if (list.ValueKind != JsonValueKind.Array)
            throw new TokenizerFormatException($"{path}: added_tokens is a JSON {list.ValueKind}, expected an array");
        var i = 0;
        foreach (var t in list.EnumerateArray())
        {
            var name = $"added_tokens[{i++}]";
            if (t.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException($"{path}: {name} is not an object");
            if (!t.TryGetProperty("id", out var idJson) || idJson.ValueKind != JsonValueKind.Number || !idJson.TryGetInt32(out var id))
                throw new TokenizerFormatException($"{path}: {name} has no integer 'id'");
            var content = OptionalString(path, t, name + ".content", "content")
                ?? throw new TokenizerFormatException($"{path}: {name} has no 'content'");
            foreach (var flag in new[] { "single_word", "lstrip", "rstrip" })
                if (t.TryGetProperty(flag, out var f) && f.ValueKind == JsonValueKind.True)
                    throw new NotSupportedException($"{path}: {name} '{content}' sets {flag}, which is not supported");
            var isSpecial = t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
            added.Add(new AddedToken(id, content, isSpecial));
        }
        return added;
    }

    private static string? OptionalString(string path, JsonElement obj, string name, string property)
    {
        if (!obj.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString()
            : throw new TokenizerFormatException($"{path}: {name} is {value.GetRawText()}, expected a string");
    }
}
