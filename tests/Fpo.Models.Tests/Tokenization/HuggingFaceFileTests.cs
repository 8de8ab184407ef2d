using System.Text.Json.Nodes;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

public sealed class HuggingFaceFileTests : IDisposable
{
    private readonly TokenizerJsonFixture files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void LoadsVocabMergesAndAddedTokens()
    {
        var tokenizer = files.Load(TokenizerJsonFixture.Build());

        Assert.Equal(265, tokenizer.VocabSize);
        Assert.Equal(263, tokenizer.ModelVocabSize);
        Assert.Equal(263, tokenizer.EosTokenId);
        Assert.Equal(71, tokenizer.TokenToId("h"));
        int Id(string token) => tokenizer.TokenToId(token)!.Value;
        // "hello": h e → he, l o → lo, l lo → llo (he and llo never merge); " the": Ġ t → Ġt, h e → he, Ġt he → Ġthe.
        Assert.Equal([Id("he"), Id("llo"), Id("Ġthe"), 263, Id("he"), Id("llo"), 264, Id("Ġthe")],
            tokenizer.Encode("hello the<|endoftext|>hello<sep> the"));
        Assert.Equal([Id("1"), Id("2"), Id("34"), Id("5")], tokenizer.Encode("12345"));
        var plain = tokenizer.Encode("<|endoftext|><sep>", allowSpecial: false);
        Assert.Equal(264, plain[^1]);
        Assert.DoesNotContain(263, plain);
        Assert.Equal("<|endoftext|><sep>", tokenizer.Decode(plain));
    }

    [Fact]
    public void MergesMayBeGivenAsPairs()
    {
        var json = TokenizerJsonFixture.Build();
        json["model"]!["merges"] = new JsonArray(TokenizerJsonFixture.MergeList
            .Select(m => (JsonNode)new JsonArray(m.Split(' ').Select(p => (JsonNode)p).ToArray())).ToArray());
        var tokenizer = files.Load(json);
        Assert.Equal(TokenizerJsonFixture.MergeList, tokenizer.Merges.Select(m => $"{m.Left} {m.Right}"));
        Assert.Equal([tokenizer.TokenToId("Ġthe")!.Value], tokenizer.Encode(" the"));
    }

    [Fact]
    public void Llama3SplitAndIgnoreMerges()
    {
        var json = TokenizerJsonFixture.Build();
        json["pre_tokenizer"] = TokenizerJsonFixture.SplitThenByteLevel(PreTokenizer.Llama3);
        json["model"]!["ignore_merges"] = true;
        var tokenizer = files.Load(json);
        int Id(string token) => tokenizer.TokenToId(token)!.Value;

        Assert.Same(PreTokenizer.Llama3, tokenizer.Options.PreTokenizer);
        // Digits go in threes, so "3 4" cannot merge across "123|45"; "hello" is taken whole.
        Assert.Equal([Id("1"), Id("2"), Id("3"), Id("4"), Id("5")], tokenizer.Encode("12345"));
        Assert.Equal([Id("hello")], tokenizer.Encode("hello"));
    }

    [Fact]
    public void NfcNormalizerNormalizes()
    {
        var json = TokenizerJsonFixture.Build();
        json["normalizer"] = new JsonObject { ["type"] = "NFC" };
        var tokenizer = files.Load(json);
        Assert.Equal("\u00E9", tokenizer.Decode(tokenizer.Encode("e\u0301")));
    }

    [Fact]
    public void BosAndEosComeFromTokenizerConfig()
    {
        File.WriteAllText(Path.Combine(files.Directory, "tokenizer_config.json"),
            """{"bos_token": {"content": "<sep>", "special": false}, "eos_token": null}""");
        var tokenizer = files.Load(TokenizerJsonFixture.Build());
        Assert.Equal(264, tokenizer.BosTokenId);
        Assert.Null(tokenizer.EosTokenId);
    }

    [Fact]
    public void SaveThenLoadGivesTheSameTokenizer()
    {
        var json = TokenizerJsonFixture.Build();
        json["pre_tokenizer"] = TokenizerJsonFixture.SplitThenByteLevel(PreTokenizer.Llama3);
        json["model"]!["ignore_merges"] = true;
        var original = files.Load(json);
        var saved = Path.Combine(files.Directory, "saved");

        HuggingFaceTokenizerFile.Save(original, saved);
        var reloaded = HuggingFaceTokenizerFile.Load(Path.Combine(saved, "tokenizer.json"));

        AssertSameTokenizer(original, reloaded);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "tokenizer.json")))!;
        Assert.Equal("BPE", (string?)written["model"]!["type"]);
        Assert.Equal("Ġt he", (string?)written["model"]!["merges"]![2]);
        Assert.Equal("Split", (string?)written["pre_tokenizer"]!["pretokenizers"]![0]!["type"]);
        Assert.Equal(263, (int?)written["added_tokens"]![0]!["id"]);
        Assert.Equal("<|endoftext|>", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "tokenizer_config.json")))!["eos_token"]);
    }

    [Fact]
    public void Gpt2SavedAsTokenizerJsonLoadsBackIdentically()
    {
        var gpt2 = Gpt2ReferenceTests.Tokenizer;
        var saved = Path.Combine(files.Directory, "gpt2");
        HuggingFaceTokenizerFile.Save(gpt2, saved);
        AssertSameTokenizer(gpt2, HuggingFaceTokenizerFile.Load(Path.Combine(saved, "tokenizer.json")));
    }

    private static void AssertSameTokenizer(BpeTokenizer expected, BpeTokenizer actual)
    {
        Assert.Equal(expected.VocabSize, actual.VocabSize);
        Assert.Equal(expected.ModelVocabSize, actual.ModelVocabSize);
        for (var id = 0; id < expected.VocabSize; id++)
            Assert.Equal(expected.IdToToken(id), actual.IdToToken(id));
        Assert.Equal(expected.Merges, actual.Merges);
        Assert.Equal(expected.AddedTokens, actual.AddedTokens);
        Assert.Same(expected.Options.PreTokenizer, actual.Options.PreTokenizer);
        Assert.Equal(expected.Options.IgnoreMerges, actual.Options.IgnoreMerges);
        Assert.Equal((expected.BosTokenId, expected.EosTokenId), (actual.BosTokenId, actual.EosTokenId));
        foreach (var text in TokenizerTestStrings.Handpicked)
            Assert.Equal(expected.Encode(text), actual.Encode(text));
    }
}
