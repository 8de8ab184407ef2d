using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>Hostile config.json files the fuzzer found: each must be refused with a message naming the file and the key.</summary>
public sealed class HuggingFaceConfigHostileTests : IDisposable
{
    private const string Llama = "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":11,\"hidden_size\":8,\"intermediate_size\":16," +
        "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"max_position_embeddings\":16,\"tie_word_embeddings\":true}";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TheBaseConfigReads() => Assert.Equal(11, Read(Llama).VocabSize);

    [Fact]
    public void ADuplicatedKeyIsRefusedByName()
    {
        var e = Refused(Llama.Replace("\"num_hidden_layers\":1,", "\"num_hidden_layers\":1,\"num_hidden_layers\":2,", StringComparison.Ordinal));
        Assert.EndsWith("field 'num_hidden_layers' appears twice", e.Message);
    }

    [Theory]
    [InlineData("[100]", "field 'architectures' is [100], expected a list of class names")]
    [InlineData("\"LlamaForCausalLM\"", "field 'architectures' is \"LlamaForCausalLM\", expected a list of class names")]
    [InlineData("[null]", "field 'architectures' is [null], expected a list of class names")]
    public void ArchitecturesMustBeAListOfNames(string value, string message) =>
        Assert.Contains(message, Refused(Llama.Replace("[\"LlamaForCausalLM\"]", value, StringComparison.Ordinal)).Message);

    [Theory]
    [InlineData("vocab_size", "2000000000", "field 'vocab_size' is 2000000000; at most 4,194,304 is supported")]
    [InlineData("vocab_size", "2e9", "field 'vocab_size' is 2e9, expected an integer")]
    [InlineData("num_hidden_layers", "1000000", "field 'num_hidden_layers' is 1000000; at most 1,024 is supported")]
    [InlineData("max_position_embeddings", "2147483647", "field 'max_position_embeddings' is 2147483647; at most 1,048,576 is supported")]
    [InlineData("num_attention_heads", "0", "field 'num_attention_heads' is 0, must be positive")]
    [InlineData("num_key_value_heads", "-2", "field 'num_key_value_heads' is -2, must be positive")]
    [InlineData("hidden_size", "65536", "over 274,877,906,944 parameters do not fit one float[]")]
    public void HugeOrNonPositiveSizesAreRefusedByName(string field, string value, string message)
    {
        var json = Llama.Replace("\"vocab_size\":11", field == "hidden_size" ? "\"vocab_size\":4194304" : "\"vocab_size\":11", StringComparison.Ordinal);
        json = json.Contains($"\"{field}\":", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(json, $"\"{field}\":[^,}}]+", $"\"{field}\":{value}")
            : json.Replace("}", $",\"{field}\":{value}}}", StringComparison.Ordinal);
        Assert.Contains(message, Refused(json).Message);
    }

    [Fact]
    public void AConfigClaimingMoreThanTheWeightsHoldIsRefusedBeforeAllocating()
    {
        var model = new TransformerModel(new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = 11, MaxPositions = 16, Layers = 1, Channels = 8, Heads = 2, KvHeads = 2,
            HiddenSize = 16, NormEps = 1e-5f, QkvBias = false, TiedEmbeddings = true,
        }, seed: 3);
        HuggingFaceCheckpoint.Save(_dir.Path, model);
        // 4,000,000 x 8 embeddings are 128 MB; the file holds 11 x 8.
        File.WriteAllText(_dir.File("config.json"), HuggingFaceConfig.Write(model.Config with { VocabSize = 4_000_000 }));
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SafetensorsFormatException>(() => HuggingFaceCheckpoint.Load(_dir.Path));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocated, 0, 16 << 20);
        Assert.EndsWith("model.safetensors: tensor 'model.embed_tokens.weight' has shape [11, 8], config expects [4000000, 8]", e.Message);
    }

    [Theory]
    [InlineData("{\"a\":\"x.safetensors\",\"a\":\"y.safetensors\"}", "weight_map lists tensor 'a' twice")]
    [InlineData("{\"a\":7}", "weight_map entry 'a' is 7, expected a file name")]
    [InlineData("{\"a\":null}", "weight_map entry 'a' is null, expected a file name")]
    public void ABrokenWeightMapNamesTheIndexAndTheTensor(string weightMap, string message)
    {
        File.WriteAllText(_dir.File("config.json"), Llama);
        var index = _dir.File(HuggingFaceCheckpoint.IndexFile);
        File.WriteAllText(index, "{\"weight_map\":" + weightMap + "}");
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load(_dir.Path));
        Assert.Equal($"{index}: {message}", e.Message);
    }

    [Theory]
    [InlineData("\"hidden_act\":\"\\ud800\"", "the string at hidden_act has an unpaired UTF-16 surrogate escape")]
    [InlineData("\"x\\udc00\":1", "a top-level key has an unpaired UTF-16 surrogate escape")]
    [InlineData("\"architectures\":[\"\\ud800\"]", "the string at architectures[0] has an unpaired UTF-16 surrogate escape")]
    public void ALoneSurrogateNamesWhereItIs(string entry, string message)
    {
        var json = Llama.Replace("\"architectures\":[\"LlamaForCausalLM\"]", "\"model_type\":\"llama\"", StringComparison.Ordinal);
        Assert.Contains(message, Refused(json.Replace("{", "{" + entry + ",", StringComparison.Ordinal)).Message);
    }

    private ModelConfig Read(string json)
    {
        var path = _dir.File("config.json");
        File.WriteAllText(path, json);
        return HuggingFaceConfig.Read(path);
    }

    private InvalidDataException Refused(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(json));
        Assert.StartsWith(_dir.File("config.json") + ": ", e.Message);
        return e;
    }
}
