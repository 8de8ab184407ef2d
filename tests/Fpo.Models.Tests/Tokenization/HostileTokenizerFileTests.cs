using System.Text.Json.Nodes;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Hostile tokenizer files the fuzzer found: each must be refused with the documented exception naming the file.</summary>
public sealed class HostileTokenizerFileTests : IDisposable
{
    private readonly TokenizerJsonFixture files = new();

    public void Dispose() => files.Dispose();

    [Theory]
    [InlineData(null, "pre_tokenizer Split null is not supported; only a Regex pattern is")]
    [InlineData("7", "pre_tokenizer Split 7 is not supported; only a Regex pattern is")]
    [InlineData("[\"\\\\w+\"]", "pre_tokenizer Split [\"\\\\w\\u002B\"] is not supported; only a Regex pattern is")]
    public void ASplitWithoutARegexObjectIsUnsupported(string? pattern, string message)
    {
        var json = TokenizerJsonFixture.Build();
        var pre = TokenizerJsonFixture.SplitThenByteLevel(PreTokenizer.Llama3);
        var split = pre["pretokenizers"]![0]!.AsObject();
        if (pattern is null) split.Remove("pattern");
        else split["pattern"] = JsonNode.Parse(pattern);
        json["pre_tokenizer"] = pre;
        var e = Assert.Throws<NotSupportedException>(() => files.Load(json));
        Assert.StartsWith(files.TokenizerPath + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData(2_000_000_000)]
    [InlineData(int.MaxValue)]
    [InlineData(263 + 2 + BpeTokenizer.MaxAddedIdGap)]
    public void AHugeAddedTokenIdIsRefusedBeforeAllocatingItsTable(int id)
    {
        var json = TokenizerJsonFixture.Build();
        json["added_tokens"]![1]!["id"] = id;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TokenizerFormatException>(() => files.Load(json));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocated, 0, 16 << 20);
        Assert.Equal($"{files.TokenizerPath}: added_tokens[1] '<sep>' has id {id}, more than 65,536 past the 263 vocabulary ids " +
            "and 2 added tokens (at most 65800)", e.Message);
    }

    [Fact]
    public void AnAddedTokenIdAtTheGapLimitLoads()
    {
        var json = TokenizerJsonFixture.Build();
        json["added_tokens"]![1]!["id"] = 263 + 2 + BpeTokenizer.MaxAddedIdGap - 1;
        Assert.Equal(65801, files.Load(json).VocabSize);
    }

    [Theory]
    [InlineData("\"\\ud800\":0,", "a key in model.vocab has an unpaired UTF-16 surrogate escape")]
    [InlineData("\"\\udc00x\":300,", "a key in model.vocab has an unpaired UTF-16 surrogate escape")]
    public void ALoneSurrogateInAVocabKeyNamesTheFile(string entry, string message)
    {
        var text = TokenizerJsonFixture.Build().ToJsonString().Replace("\"vocab\":{", "\"vocab\":{" + entry, StringComparison.Ordinal);
        var e = Assert.Throws<TokenizerFormatException>(() => files.Load(text));
        Assert.StartsWith(files.TokenizerPath + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ALoneSurrogateInAnAddedTokenNamesTheFileAndTheEntry()
    {
        var text = TokenizerJsonFixture.Build().ToJsonString().Replace("\\u003Csep\\u003E", "a\\ud800", StringComparison.Ordinal);
        var e = Assert.Throws<TokenizerFormatException>(() => files.Load(text));
        Assert.Equal($"{files.TokenizerPath}: the string at added_tokens[1].content has an unpaired UTF-16 surrogate escape such as \\ud800", e.Message);
    }

    [Fact]
    public void ALoneSurrogateInEncoderJsonNamesTheFile()
    {
        var encoder = Path.Combine(files.Directory, "encoder.json");
        var merges = Path.Combine(files.Directory, "vocab.bpe");
        File.WriteAllText(encoder, TokenizerJsonFixture.Build()["model"]!["vocab"]!.ToJsonString().Replace("{", "{\"\\ud800\":999,", StringComparison.Ordinal));
        File.WriteAllLines(merges, ["#version: 0.2", "h e"]);
        var e = Assert.Throws<TokenizerFormatException>(() => Gpt2TokenizerFiles.Load(encoder, merges));
        Assert.StartsWith(encoder + ": ", e.Message);
    }
}
