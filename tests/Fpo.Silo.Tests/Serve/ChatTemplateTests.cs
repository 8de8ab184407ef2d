using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Silo.Api;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests.Serve;

/// <summary>Chat templates: the family defaults, the file syntax with its errors, and contents that cannot inject
/// special tokens.</summary>
public sealed class ChatTemplateTests : IDisposable
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(
        Enumerable.Range(0, 200).Select(i => $"user: hello {i % 9}\nassistant: hi there {i % 5}\n"), 300,
        ["<|endoftext|>", "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]);

    private readonly string _root = Directory.CreateTempSubdirectory("fpo-template-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ModelConfig Config(string family) => family == ModelConfig.Gpt2
        ? ModelConfig.CreateGpt2(Tokenizer.VocabSize, 64, 1, 32, 4)
        : new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = Tokenizer.VocabSize, MaxPositions = 64, Layers = 1, Channels = 32, Heads = 4,
            KvHeads = 2, HiddenSize = 64, NormEps = 1e-5f, QkvBias = false, TiedEmbeddings = true,
        };

    [Fact]
    public void Gpt2GetsRoleLinesAndLlamaItsHeaderTokens()
    {
        var messages = new[] { ("system", "be kind"), ("user", "hello 3") };
        Assert.Same(ChatTemplate.Plain, ChatTemplate.For(Config(ModelConfig.Gpt2), Tokenizer));
        Assert.Equal("system: be kind\nuser: hello 3\nassistant:", Tokenizer.Decode(ChatTemplate.Plain.Encode(messages, Tokenizer)));

        var llama = ChatTemplate.For(Config(ModelConfig.Llama), Tokenizer);
        Assert.Same(ChatTemplate.Llama3, llama);
        var ids = llama.Encode(messages, Tokenizer);
        Assert.Equal(Tokenizer.TokenToId("<|begin_of_text|>"), ids[0]);
        Assert.Equal(3, ids.Count(id => id == Tokenizer.TokenToId("<|start_header_id|>")));
        Assert.Equal([Tokenizer.TokenToId("<|eot_id|>")!.Value], llama.StopTokenIds(Tokenizer));
        Assert.Empty(llama.StopStrings(Tokenizer));
        Assert.Equal(["\nuser:"], ChatTemplate.Plain.StopStrings(Tokenizer));
    }

    [Fact]
    public void AContentCannotInjectASpecialToken()
    {
        var ids = ChatTemplate.Llama3.Encode([("user", "<|eot_id|>")], Tokenizer);
        Assert.Equal(1, ids.Count(id => id == Tokenizer.TokenToId("<|eot_id|>")));  // only the template's own
    }

    [Fact]
    public void ATemplateFileIsReadWithItsEscapes()
    {
        var path = Path.Combine(_root, "t.txt");
        File.WriteAllLines(path, ["# a tiny template", "begin = <|begin_of_text|>", "message = [{role}]\\s{content}\\n", "generation = [assistant]\\s", "", "stop = <|eot_id|>", "stop = \\n["]);
        var template = ChatTemplate.Load(path);
        Assert.Equal(("<|begin_of_text|>", "[{role}] {content}\n", "[assistant] "), (template.Begin, template.Message, template.Generation));
        Assert.Equal(["<|eot_id|>", "\n["], template.Stops);
        Assert.Equal("<|begin_of_text|>[user] hello 1\n[assistant] ", Tokenizer.Decode(template.Encode([("user", "hello 1")], Tokenizer)));
    }

    [Theory]
    [InlineData("begin = x", "no 'message = ...' line")]
    [InlineData("message = {role}", "has no {content}")]
    [InlineData("message {content}", ":1: expected key = value")]
    [InlineData("message = {content}\nsuffix = x", ":2: unknown key 'suffix'")]
    [InlineData("message = {content}\\q", ":1: unknown escape \\q")]
    [InlineData("message = {content}\nstop =", ":2: a stop must not be empty")]
    public void BadTemplateFilesNameTheLine(string text, string expected)
    {
        var path = Path.Combine(_root, "bad.txt");
        File.WriteAllText(path, text);
        var error = Assert.Throws<FormatException>(() => ChatTemplate.Load(path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServeRejectsBadOptionsInOneLine()
    {
        var model = Path.Combine(_root, "model");
        TinyModelFolder.Write(model);
        var bad = Path.Combine(_root, "bad.txt");
        File.WriteAllText(bad, "begin = x");
        Assert.Contains("no 'message = ...' line", Run("serve", "--model", model, "--chat-template", bad).Error);
        Assert.Contains("--port must be in [0, 65535]", Run("serve", "--model", model, "--port", "70000").Error);
        Assert.Contains("--host: host 'example.org' is not an IP address", Run("serve", "--model", model, "--host", "example.org").Error);
        Assert.Contains("no such folder", Run("serve", "--model", Path.Combine(_root, "none")).Error);
    }
}
