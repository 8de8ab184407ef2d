using System.Text.Json;
using Fpo.Tensors;
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
            CheckShapes(locate, prefix, tensors);
            var model = new TransformerModel(config);
            ReadAll(locate, prefix, tensors, model.Parameters);
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
        SafetensorsWriter.Write(Path.Combine(dir, WeightsFile), Tensors(model, SafetensorsDType.F32), FileMetadata);
        File.WriteAllText(Path.Combine(dir, ConfigFile), HuggingFaceConfig.Write(model.Config));
    }

    /// <summary>
    /// The model.safetensors of <paramref name="model"/>'s weights, built in memory: as F32 exactly the file
    /// <see cref="Save"/> writes; as BF16 the same names, shapes and order with every value rounded to nearest even.
    /// </summary>
    public static byte[] WeightsBytes(TransformerModel model, SafetensorsDType dtype)
    {
        if (dtype is not (SafetensorsDType.F32 or SafetensorsDType.BF16))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "weights are written as F32 or BF16");
        return SafetensorsWriter.ToBytes(Tensors(model, dtype), FileMetadata, WeightsFile);
    }

    /// <summary>
    /// Copies the weights of a model.safetensors (F32, F16 or BF16 tensors, widened exactly) into <paramref name="into"/>.
    /// Every name and shape is checked against its config before any parameter is written, so a file that does not fit
    /// throws <see cref="SafetensorsFormatException"/> and leaves <paramref name="into"/> as it was.
    /// </summary>
    public static void ReadWeights(SafetensorsFile file, TransformerModel into)
    {
        var prefix = into.Config.IsGpt2 && file.Contains("transformer.wte.weight") ? "transformer." : "";
        var tensors = HuggingFaceNames.For(into.Config);
        CheckShapes(_ => file, prefix, tensors);
        ReadAll(_ => file, prefix, tensors, into.Parameters);
    }

    // transformers refuses safetensors files whose metadata lacks the framework "format"
    private static readonly Dictionary<string, string> FileMetadata = new() { ["format"] = "pt" };

    // Every parameter as a Hugging Face tensor of the dtype, in the naming order: untransposed ones are views of the
    // parameters (no copy of the embeddings), transposed ones copies made in parallel.
    private static SafetensorsTensor[] Tensors(TransformerModel model, SafetensorsDType dtype)
    {
        var names = HuggingFaceNames.For(model.Config);
        var tensors = new SafetensorsTensor[names.Count];
        ComputeThreads.For(names.Count, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                var t = names[i];
                tensors[i] = dtype == SafetensorsDType.BF16
                    ? SafetensorsTensor.BF16(t.Name, t.Shape, t.View(model.Parameters))
                    : SafetensorsTensor.F32(t.Name, t.Shape, t.View(model.Parameters));
            }
        }, rangesPerThread: 8);
        return tensors;
    }

    private static void CheckShapes(Func<string, SafetensorsFile> locate, string prefix, IReadOnlyList<HuggingFaceTensor> tensors)
    {
        foreach (var t in tensors)
            CheckShape(locate(prefix + t.Name), prefix + t.Name, t);
    }

    // Tensors tile disjoint slices of the parameters and files are read-safe from several threads; several ranges per
    // thread balance the embedding (a third of GPT-2 small) against the many small tensors.
    private static void ReadAll(Func<string, SafetensorsFile> locate, string prefix, IReadOnlyList<HuggingFaceTensor> tensors, float[] parameters) =>
        ComputeThreads.For(tensors.Count, (start, end) =>
        {
            for (var i = start; i < end; i++) Read(locate(prefix + tensors[i].Name), prefix + tensors[i].Name, tensors[i], parameters);
        }, rangesPerThread: 8);

    private static void CheckShape(SafetensorsFile file, string name, HuggingFaceTensor t)
    {
        var info = file.GetInfo(name);
        if (!info.Shape.AsSpan().SequenceEqual(t.Shape))
            throw new SafetensorsFormatException(file.Path, name,
                $"has shape {info.ShapeText}, config expects {SafetensorsTensorInfo.FormatShape(t.Shape)}");
        // checked here, with the shapes, so a tensor that cannot be read fails before any parameter is written
        if (info.DType is not (SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16 or SafetensorsDType.F64))
            throw new SafetensorsFormatException(file.Path, name, $"has dtype {info.DType}; weights are F32, BF16, F16 or F64");
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
