using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Fpo.Models.Checkpoints;

/// <summary>
/// Parses and fully validates a safetensors JSON header against the size of the data section that follows it,
/// so that every offset handed out afterwards lies inside the data section.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The bound of the reference implementation (huggingface/safetensors): larger headers are refused.</summary>
    public const long MaxLength = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>A valid header nests three deep (root, entry, shape); anything deeper is refused by the checks.</summary>
    private const int MaxDepth = 4;

    public static (Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, ReadOnlySpan<byte> json, long dataLength)
    {
        if (!Utf8.IsValid(json))
            throw new SafetensorsFormatException(path, null, "header is not valid UTF-8");
        if (json[0] != (byte)'{')
            throw new SafetensorsFormatException(path, null,
                $"header does not start with '{{' (first byte 0x{json[0]:X2}); the header must be a JSON object");

        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            Next(path, ref reader);
            while (Next(path, ref reader) == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (tensors.ContainsKey(name) || (name == MetadataKey && metadata is not null))
                    throw new SafetensorsFormatException(path, name == MetadataKey ? null : name,
                        name == MetadataKey ? "header has two __metadata__ entries" : "appears twice in the header");
                if (name == MetadataKey)
                {
                    metadata = ParseMetadata(path, ref reader);
                    continue;
                }
                var info = ParseEntry(path, name, ref reader);
                CheckExtent(path, info, dataLength);
                tensors.Add(name, info);
            }
            if (reader.Read())
                throw new SafetensorsFormatException(path, null, "header has content after its JSON object");
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString refuses escapes such as a lone "\ud800" that decode to no valid string.
            throw new SafetensorsFormatException(path, null, $"header has an invalid JSON string: {e.Message}", e);
        }
        CheckCoverage(path, tensors.Values, dataLength);
        return (tensors, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static JsonTokenType Next(string path, ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new SafetensorsFormatException(path, null, "header JSON ends early");
        return reader.TokenType;
    }

    private static Dictionary<string, string> ParseMetadata(string path, ref Utf8JsonReader reader)
    {
        if (Next(path, ref reader) != JsonTokenType.StartObject)
            throw new SafetensorsFormatException(path, null,
                $"__metadata__ is {Describe(reader)}, expected an object of string to string");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Next(path, ref reader) == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (Next(path, ref reader) != JsonTokenType.String)
                throw new SafetensorsFormatException(path, null,
                    $"__metadata__ entry '{key}' is {Describe(reader)}, expected a string");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new SafetensorsFormatException(path, null, $"__metadata__ has key '{key}' twice");
        }
        return metadata;
    }

    private static SafetensorsTensorInfo ParseEntry(string path, string name, ref Utf8JsonReader reader)
    {
        if (Next(path, ref reader) != JsonTokenType.StartObject)
            throw new SafetensorsFormatException(path, name,
                $"is {Describe(reader)} in the header, expected an object with dtype, shape and data_offsets");
        string? dtypeText = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (Next(path, ref reader) == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            var duplicate = key switch
            {
                "dtype" => dtypeText is not null,
                "shape" => shape is not null,
                "data_offsets" => offsets is not null,
                _ => throw new SafetensorsFormatException(path, name,
                    $"has unknown key '{key}' (expected exactly dtype, shape and data_offsets)"),
            };
            if (duplicate)
                throw new SafetensorsFormatException(path, name, $"has key '{key}' twice");
            switch (key)
            {
                case "dtype":
                    if (Next(path, ref reader) != JsonTokenType.String)
                        throw new SafetensorsFormatException(path, name,
                            $"has dtype {Describe(reader)}, expected a string such as \"F32\"");
                    dtypeText = reader.GetString()!;
                    break;
                case "shape":
                    shape = ParseIntegers(path, name, "shape", ref reader);
                    break;
                default:
                    offsets = ParseIntegers(path, name, "data_offsets", ref reader);
                    break;
            }
        }
        if (dtypeText is null) throw new SafetensorsFormatException(path, name, "has no 'dtype'");
        if (shape is null) throw new SafetensorsFormatException(path, name, "has no 'shape'");
        if (offsets is null) throw new SafetensorsFormatException(path, name, "has no 'data_offsets'");
        if (!SafetensorsDTypes.TryParse(dtypeText, out var dtype))
            throw new SafetensorsFormatException(path, name,
                $"has unknown dtype '{Clip(dtypeText)}' (known: {string.Join(", ", SafetensorsDTypes.All)})");
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw new SafetensorsFormatException(path, name,
                $"has data_offsets {SafetensorsTensorInfo.FormatShape(offsets)}, expected [begin, end] with begin <= end");
        return new SafetensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ParseIntegers(string path, string name, string key, ref Utf8JsonReader reader)
    {
        if (Next(path, ref reader) != JsonTokenType.StartArray)
            throw new SafetensorsFormatException(path, name,
                $"has {key} {Describe(reader)}, expected an array of non-negative integers");
        var values = new List<long>();
        while (Next(path, ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
                throw new SafetensorsFormatException(path, name,
                    $"has {key} entry {Describe(reader)}, expected a non-negative integer below 2^63");
            values.Add(value);
        }
        return [.. values];
    }

    /// <summary>Checks one entry against its dtype and the data section: shape × dtype size must be the span, inside the data.</summary>
    private static void CheckExtent(string path, SafetensorsTensorInfo info, long dataLength)
    {
        var size = info.DType.ByteSize();
        // In shape order, as the reference implementation multiplies: [2^32, 2^32, 0] overflows before reaching 0.
        long count = 1;
        foreach (var d in info.Shape)
        {
            if (d != 0 && count > long.MaxValue / d)
                throw new SafetensorsFormatException(path, info.Name,
                    $"has shape {info.ShapeText} whose element count overflows 64 bits");
            count *= d;
        }
        if (count > long.MaxValue / size)
            throw new SafetensorsFormatException(path, info.Name,
                $"has shape {info.ShapeText} whose size in bytes as {info.DType} overflows 64 bits");
        var bytes = count * size;
        if (bytes != info.ByteLength)
            throw new SafetensorsFormatException(path, info.Name,
                $"has shape {info.ShapeText} ({bytes} bytes as {info.DType}) but data_offsets [{info.Begin}, {info.End}] span {info.ByteLength} bytes");
        if (info.End > dataLength)
            throw new SafetensorsFormatException(path, info.Name,
                $"has data_offsets [{info.Begin}, {info.End}] past the end of the data section ({dataLength} bytes)");
    }

    /// <summary>The spec requires the tensors to tile the data section exactly: no gaps, no overlaps, nothing left over.</summary>
    private static void CheckCoverage(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        SafetensorsTensorInfo? previous = null;
        foreach (var info in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            var expected = previous?.End ?? 0;
            if (info.Begin > expected)
                throw new SafetensorsFormatException(path, info.Name,
                    $"starts at byte {info.Begin} of the data section but " +
                    (previous is null ? "no tensor precedes it" : $"the previous tensor '{previous.Name}' ends at byte {expected}") +
                    $": {info.Begin - expected} bytes belong to no tensor");
            if (info.Begin < expected)
                throw new SafetensorsFormatException(path, info.Name,
                    $"has data_offsets [{info.Begin}, {info.End}] that overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            previous = info;
        }
        var covered = previous?.End ?? 0;
        if (covered != dataLength)
            throw new SafetensorsFormatException(path, null,
                $"data section has {dataLength} bytes but the tensors cover only the first {covered} " +
                (previous is null ? "(there are no tensors)" : $"(the last is '{previous.Name}')") +
                $": {dataLength - covered} trailing bytes belong to no tensor");
    }

    private static string Describe(in Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => Clip(Encoding.UTF8.GetString(reader.ValueSpan[..Math.Min(reader.ValueSpan.Length, 40)])),
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        var token => token.ToString(),
    };

    private static string Clip(string text) => text.Length <= 32 ? text : text[..32] + "...";
}
