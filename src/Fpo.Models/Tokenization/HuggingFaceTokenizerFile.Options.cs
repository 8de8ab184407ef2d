using System.Text.Json;

namespace Fpo.Models.Tokenization;

public static partial class HuggingFaceTokenizerFile
{
    private static BpeOptions ReadOptions(string path, JsonElement root, JsonElement model)
    {
        var options = new BpeOptions
        {
            PreTokenizer = ReadPreTokenizer(path, Property(root, "pre_tokenizer")),
            NormalizeNfc = ReadNormalizer(path, Property(root, "normalizer")),
            IgnoreMerges = model.TryGetProperty("ignore_merges", out var ignore) && ignore.ValueKind == JsonValueKind.True,
        };
        CheckDecoder(path, Property(root, "decoder"));
        return ReadSpecialTokenNames(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json"), options);
    }

    // Undefined when obj is not an object or lacks the property, so chains of lookups end in one type check.
    private static JsonElement Property(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : default;

    private static bool IsNull(JsonElement e) => e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    private static string TypeOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "?";

    /// <summary>Byte-level BPE needs a ByteLevel step; the split before it is either ByteLevel's own GPT-2 regex
    /// or a Split with one of the patterns <see cref="PreTokenizer.ForPattern"/> implements.</summary>
    private static PreTokenizer ReadPreTokenizer(string path, JsonElement pre)
    {
        var steps = TypeOf(pre) == "Sequence" && Property(pre, "pretokenizers") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().ToArray() : [pre];
        PreTokenizer? split = null;
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            var type = TypeOf(step);
            var isLast = i == steps.Length - 1;
            if (type == "Split" && !isLast && split is null)
                split = ReadSplit(path, step);
            else if (type == "ByteLevel" && isLast)
                return ReadByteLevel(path, step, split);
            else
                throw new NotSupportedException(
                    $"{path}: pre_tokenizer {Describe(pre)} is not supported; byte-level BPE needs ByteLevel, alone or after one Split");
        }
        throw new NotSupportedException($"{path}: pre_tokenizer {Describe(pre)} has no ByteLevel step; only byte-level BPE is supported");
    }

    private static PreTokenizer ReadSplit(string path, JsonElement split)
    {
        var regex = Property(Property(split, "pattern"), "Regex");
        if (regex.ValueKind != JsonValueKind.String)
            throw new NotSupportedException($"{path}: pre_tokenizer Split {Describe(Property(split, "pattern"))} is not supported; only a Regex pattern is");
        if (Property(split, "behavior").ValueKind == JsonValueKind.String && Property(split, "behavior").GetString() != "Isolated"
            || Property(split, "invert").ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"{path}: pre_tokenizer Split {Describe(split)} is not supported; only behavior Isolated without invert is");
        return PreTokenizer.ForPattern(regex.GetString()!)
            ?? throw new NotSupportedException(
                $"{path}: pre_tokenizer Split pattern '{regex.GetString()}' is not supported; supported are the GPT-2, Llama 3 and Qwen 2 patterns");
    }

    private static PreTokenizer ReadByteLevel(string path, JsonElement byteLevel, PreTokenizer? split)
    {
        if (Property(byteLevel, "add_prefix_space").ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"{path}: pre_tokenizer ByteLevel has add_prefix_space true, which is not supported");
        var useRegex = Property(byteLevel, "use_regex").ValueKind != JsonValueKind.False;
        return (split, useRegex) switch
        {
            (null, true) => PreTokenizer.Gpt2,
            (null, false) => PreTokenizer.None,
            (_, false) => split,
            _ => throw new NotSupportedException(
                $"{path}: pre_tokenizer ByteLevel with use_regex after a Split (two regex splits) is not supported"),
        };
    }

    private static bool ReadNormalizer(string path, JsonElement normalizer)
    {
        if (IsNull(normalizer))
            return false;
        if (TypeOf(normalizer) == "NFC")
            return Nfc.IsAvailable ? true : throw new NotSupportedException($"{path}: normalizer NFC: {Nfc.Unavailable}");
        throw new NotSupportedException($"{path}: normalizer {Describe(normalizer)} is not supported; only none or NFC is");
    }

    private static void CheckDecoder(string path, JsonElement decoder)
    {
        if (!IsNull(decoder) && TypeOf(decoder) != "ByteLevel")
            throw new NotSupportedException($"{path}: decoder {Describe(decoder)} is not supported; byte-level BPE decodes with ByteLevel");
    }

    private static string Describe(JsonElement e)
    {
        var text = IsNull(e) ? "null" : e.GetRawText();
        return text.Length <= 300 ? text : text[..300] + "...";
    }

    /// <summary>Transformers keeps bos/eos in tokenizer_config.json: a string, an object with "content", or null.</summary>
    private static BpeOptions ReadSpecialTokenNames(string configPath, BpeOptions options)
    {
        if (!File.Exists(configPath))
            return options;
        using var doc = ParseJson(configPath);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{configPath}: the top level is a JSON {root.ValueKind}, expected an object");
        return options with
        {
            BosToken = SpecialTokenName(configPath, root, "bos_token"),
            EosToken = SpecialTokenName(configPath, root, "eos_token"),
            GuessBosEos = false,
        };
    }

    private static string? SpecialTokenName(string path, JsonElement root, string key)
    {
        var value = Property(root, key);
        if (IsNull(value))
            return null;
        if (value.ValueKind == JsonValueKind.Object)
            value = Property(value, "content");
        return value.ValueKind == JsonValueKind.String ? value.GetString()
            : throw new TokenizerFormatException($"{path}: {key} is {Describe(Property(root, key))}, expected a string or {{\"content\": ...}}");
    }
}
