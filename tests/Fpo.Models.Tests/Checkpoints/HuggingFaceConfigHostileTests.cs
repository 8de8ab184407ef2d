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
