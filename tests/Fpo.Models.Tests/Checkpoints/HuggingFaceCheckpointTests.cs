using System.Text.Json.Nodes;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Checkpoints;

public class HuggingFaceCheckpointTests
{
    private static readonly ModelConfig Gpt2 = ModelConfig.CreateGpt2(vocabSize: 13, maxPositions: 8, layers: 2, channels: 8, heads: 2);

    private static readonly ModelConfig Qwen2 = new()
    {
        Family = ModelConfig.Llama, VocabSize = 13, MaxPositions = 16, Layers = 2, Channels = 8, Heads = 4, KvHeads = 2,
        HiddenSize = 12, NormEps = 1e-6f, RopeTheta = 5000f, QkvBias = true, TiedEmbeddings = false,
    };

    public static TheoryData<string> Families => ["gpt2", "qwen2", "llama-tied"];

    [Theory]
    [MemberData(nameof(Families))]
    public void SaveThenLoadGivesTheSameConfigAndParameters(string family)
    {
        using var dir = new TempDirectory();
        var model = RandomModel(family);
        HuggingFaceCheckpoint.Save(dir.Path, model);
        var (config, loaded) = HuggingFaceCheckpoint.Load(dir.Path);
        Assert.Equal(model.Config, config);
        Assert.Equal(model.Parameters, loaded.Parameters);
    }

    [Fact]
    public void SavedTensorsUseHuggingFaceNamesAndLayouts()
    {
        using var dir = new TempDirectory();
        var model = RandomModel("gpt2");
        HuggingFaceCheckpoint.Save(dir.Path, model);
        using var file = SafetensorsFile.Open(dir.File(HuggingFaceCheckpoint.WeightsFile));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([8L, 24L], file.Tensors["h.1.attn.c_attn.weight"].Shape);
        // Conv1D stores (in, out): element [i, o] is our qkv weight row o, column i
        var conv = file.ReadFloat32("h.1.attn.c_attn.weight");
        var ours = model.Layout.Qkvw[1].In(model.Parameters);
        Assert.Equal(ours[5 * 8 + 3], conv[3 * 24 + 5]);
        Assert.DoesNotContain("lm_head.weight", file.Tensors.Keys);

        var qwen = RandomModel("qwen2");
        HuggingFaceCheckpoint.Save(dir.Path, qwen);
        using var qfile = SafetensorsFile.Open(dir.File(HuggingFaceCheckpoint.WeightsFile));
        Assert.Equal([4L, 8L], qfile.Tensors["model.layers.0.self_attn.k_proj.weight"].Shape);
        Assert.Equal([4L], qfile.Tensors["model.layers.0.self_attn.v_proj.bias"].Shape);
        Assert.Contains("lm_head.weight", qfile.Tensors.Keys);
        Assert.Equal("Qwen2ForCausalLM", JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!["architectures"]![0]!.GetValue<string>());
    }

    [Fact]
    public void LoadsTransformerPrefixedGpt2NamesAndBf16Weights()
    {
        using var dir = new TempDirectory();
        var model = RandomModel("gpt2");
        HuggingFaceCheckpoint.Save(dir.Path, model);
        Rewrite(dir, (name, shape, data) => SafetensorsTensor.BF16("transformer." + name, shape, data));
        var (_, loaded) = HuggingFaceCheckpoint.Load(dir.Path);
        for (var i = 0; i < model.Parameters.Length; i++)
            Assert.True(Math.Abs(loaded.Parameters[i] - model.Parameters[i]) <= Math.Abs(model.Parameters[i]) / 128, $"parameter {i}");
    }

    [Fact]
    public void LoadsShardedCheckpoints()
    {
        using var dir = new TempDirectory();
        var model = RandomModel("qwen2");
        HuggingFaceCheckpoint.Save(dir.Path, model);
        var map = ShardedCheckpoint.Split(dir.Path);
        File.WriteAllText(dir.File(HuggingFaceCheckpoint.IndexFile), new JsonObject { ["weight_map"] = map }.ToJsonString());
        Assert.Equal(model.Parameters, HuggingFaceCheckpoint.Load(dir.Path).Model.Parameters);

        map.Remove("model.norm.weight");
        File.WriteAllText(dir.File(HuggingFaceCheckpoint.IndexFile), new JsonObject { ["weight_map"] = map.DeepClone() }.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load(dir.Path));
        Assert.Contains("model.safetensors.index.json: tensor 'model.norm.weight' is not in the weight_map", e.Message);
    }

    [Fact]
    public void AWrongShapeNamesTheFileTheTensorAndBothShapes()
    {
        using var dir = new TempDirectory();
        HuggingFaceCheckpoint.Save(dir.Path, RandomModel("gpt2"));
        EditConfig(dir, c => c["vocab_size"] = 14);
        var e = Assert.Throws<SafetensorsFormatException>(() => HuggingFaceCheckpoint.Load(dir.Path));
        Assert.EndsWith("model.safetensors: tensor 'wte.weight' has shape [13, 8], config expects [14, 8]", e.Message);
    }

    [Fact]
    public void AMissingTensorNamesTheFileAndTheTensor()
    {
        using var dir = new TempDirectory();
        HuggingFaceCheckpoint.Save(dir.Path, RandomModel("qwen2"));
        Rewrite(dir, (name, shape, data) => name == "model.layers.1.mlp.up_proj.weight" ? null : SafetensorsTensor.F32(name, shape, data));
        var e = Assert.Throws<SafetensorsFormatException>(() => HuggingFaceCheckpoint.Load(dir.Path));
        Assert.Contains("model.safetensors: tensor 'model.layers.1.mlp.up_proj.weight' is not in the file", e.Message);
    }

    [Theory]
    [InlineData("architectures", "[\"BertForMaskedLM\"]", "architecture 'BertForMaskedLM' is not supported")]
    [InlineData("attention_bias", "true", "field 'attention_bias' is true: Llama's o_proj bias is not supported")]
    [InlineData("num_key_value_heads", "3", "Heads (4) must be divisible by KvHeads (3)")]
    [InlineData("hidden_size", "\"wide\"", "field 'hidden_size' is \"wide\", expected an integer")]
    [InlineData("rope_scaling", "{\"type\":\"linear\",\"factor\":2.0}", "field 'rope_scaling' is set")]
    public void BadConfigsNameTheFileAndTheField(string field, string json, string message)
    {
        using var dir = new TempDirectory();
        var model = RandomModel("llama-tied");
        HuggingFaceCheckpoint.Save(dir.Path, model);
        EditConfig(dir, c => c[field] = JsonNode.Parse(json));
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load(dir.Path));
        Assert.Contains("config.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AFolderWithoutWeightsSaysWhatIsMissing()
    {
        using var dir = new TempDirectory();
        HuggingFaceCheckpoint.Save(dir.Path, RandomModel("gpt2"));
        File.Delete(dir.File(HuggingFaceCheckpoint.WeightsFile));
        var e = Assert.Throws<FileNotFoundException>(() => HuggingFaceCheckpoint.Load(dir.Path));
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", e.Message);
    }

    private static TransformerModel RandomModel(string family) => family switch
    {
        "gpt2" => new TransformerModel(Gpt2, seed: 3),
        "qwen2" => new TransformerModel(Qwen2, seed: 4),
        _ => new TransformerModel(Qwen2 with { QkvBias = false, TiedEmbeddings = true }, seed: 5),
    };

    private static void EditConfig(TempDirectory dir, Action<JsonObject> edit)
    {
        var path = dir.File(HuggingFaceCheckpoint.ConfigFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    // Rewrites model.safetensors tensor by tensor; a null result drops the tensor.
    private static void Rewrite(TempDirectory dir, Func<string, long[], float[], SafetensorsTensor?> map)
    {
        var path = dir.File(HuggingFaceCheckpoint.WeightsFile);
        List<SafetensorsTensor> tensors;
        using (var file = SafetensorsFile.Open(path))
            tensors = file.Tensors.Values.Select(t => map(t.Name, t.Shape, file.ReadFloat32(t.Name))).OfType<SafetensorsTensor>().ToList();
        SafetensorsWriter.Write(path, tensors);
    }
}
