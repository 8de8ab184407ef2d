using System.Text.Json;
using Fpo.Models.Transformer;

namespace Fpo.Models.Checkpoints;

/// <summary>
/// Hugging Face model folders: config.json plus model.safetensors, or shards listed in model.safetensors.index.json.
/// GPT2LMHeadModel (Conv1D weights transposed to our (out, in) layout; optional "transformer." prefix),
/// LlamaForCausalLM and Qwen2ForCausalLM (q/k/v fused into one weight). F16/BF16 tensors become fp32.
/// </summary>
public static class HuggingFaceCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Loads a model folder; errors name the file, the tensor and the problem.</summary>
    public static (ModelConfig Config, TransformerModel Model) Load(string dir)
    {
        var configPath = Path.Combine(dir, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{dir}: no {ConfigFile} (expected a Hugging Face model folder)", configPath);
        var config = HuggingFaceConfig.Read(configPath);
        var files = new Dictionary<string, SafetensorsFile>();
        try
        {
            var locate = OpenWeights(dir, files);
            var prefix = config.IsGpt2 && files.Values.Any(f => f.Contains("transformer.wte.weight")) ? "transformer." : "";
            var tensors = HuggingFaceNames.For(config);
            // Every shape is checked before the parameters are allocated, so a config that claims a bigger model than
            // the weights hold is refused without allocating what it claims.
            foreach (var t in tensors)
                CheckShape(locate(prefix + t.Name), prefix + t.Name, t);
            var model = new TransformerModel(config);
            foreach (var t in tensors)
                Read(locate(prefix + t.Name), prefix + t.Name, t, model.Parameters);
            return (config, model);
        }
        finally
        {
            foreach (var f in files.Values) f.Dispose();
        }
    }

    /// <summary>Writes config.json and model.safetensors (F32) in Hugging Face's layout and names.</summary>
    public static void Save(string dir, TransformerModel model)
    {
        Directory.CreateDirectory(dir);
        var tensors = HuggingFaceNames.For(model.Config)
            .Select(t => SafetensorsTensor.F32(t.Name, t.Shape, t.Export(model.Parameters)));
        // transformers refuses safetensors files whose metadata lacks the framework "format"
        SafetensorsWriter.Write(Path.Combine(dir, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(dir, ConfigFile), HuggingFaceConfig.Write(model.Config));
    }

    private static void CheckShape(SafetensorsFile file, string name, HuggingFaceTensor t)
    {
        var info = file.GetInfo(name);
        if (!info.Shape.AsSpan().SequenceEqual(t.Shape))
            throw new SafetensorsFormatException(file.Path, name,
                $"has shape {info.ShapeText}, config expects {SafetensorsTensorInfo.FormatShape(t.Shape)}");
    }

    private static void Read(SafetensorsFile file, string name, HuggingFaceTensor t, float[] parameters)
    {
        if (!t.Transposed)
        {
            file.ReadFloat32(name, parameters.AsSpan(t.Offset, t.Length));
            return;
        }
        t.Import(parameters, file.ReadFloat32(name));
    }

    // Opens model.safetensors or every shard of the index; returns the file that holds a given tensor.
    private static Func<string, SafetensorsFile> OpenWeights(string dir, Dictionary<string, SafetensorsFile> files)
    {
        var single = Path.Combine(dir, WeightsFile);
        if (File.Exists(single))
        {
            var file = files[WeightsFile] = SafetensorsFile.Open(single);
            return _ => file;
        }
        var indexPath = Path.Combine(dir, IndexFile);
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"{dir}: neither {WeightsFile} nor {IndexFile} is there", single);
        var map = ReadWeightMap(indexPath);
        foreach (var shard in map.Values.Distinct())
        {
            var shardPath = Path.Combine(dir, shard);
            if (Path.GetFileName(shard) != shard) throw new InvalidDataException($"{indexPath}: shard '{shard}' is not a file name in the folder");
            if (!File.Exists(shardPath)) throw new FileNotFoundException($"{indexPath}: shard '{shard}' does not exist", shardPath);
            files[shard] = SafetensorsFile.Open(shardPath);
        }
        return name => map.TryGetValue(name, out var shard) ? files[shard]
            : throw new InvalidDataException($"{indexPath}: tensor '{name}' is not in the weight_map");
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (JsonStrings.FindInvalid(doc.RootElement) is { } bad)
                throw new InvalidDataException($"{indexPath}: {bad} has an unpaired UTF-16 surrogate escape such as \\ud800");
            if (!doc.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{indexPath}: no 'weight_map' object");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in weightMap.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{indexPath}: weight_map entry '{p.Name}' is {p.Value.GetRawText()}, expected a file name");
                if (!map.TryAdd(p.Name, p.Value.GetString()!))
                    throw new InvalidDataException($"{indexPath}: weight_map lists tensor '{p.Name}' twice");
            }
            return map;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath}: not a valid index: {e.Message}", e);
        }
    }
}
