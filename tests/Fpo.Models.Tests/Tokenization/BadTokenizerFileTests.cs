using System.Text.Json.Nodes;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Every broken or unsupported tokenizer.json must say which file, which entry and what is wrong.</summary>
public sealed class BadTokenizerFileTests : IDisposable
{
    private readonly TokenizerJsonFixture files = new();

    public void Dispose() => files.Dispose();

    public static TheoryData<string, string> Broken => new()
    {
        { "not-json", "not valid JSON" },
        { "array", "the top level is a JSON Array, expected an object" },
        { "no-model", "has no 'model' object" },
        { "wordpiece", "model.type is 'WordPiece'; only byte-level 'BPE' models can be read" },
        { "no-vocab", "model.vocab is missing or not an object" },
        { "no-merges", "model.merges is missing or not an array" },
        { "unknown-merge-token", "model.merges[1] 'Ġ zz' refers to token 'zz' not in model.vocab" },
        { "merge-result-missing", "model.merges[6] 'Ġ h' makes 'Ġh', which is not in model.vocab" },
        { "bad-merge", "model.merges[0] is \"h e x\"; expected \"left right\" (one space) or [\"left\", \"right\"]" },
        { "duplicate-id", "model.vocab gives id 0 to both" },
        { "id-out-of-range", "model.vocab token 'hello' has id 9999, out of range [0, 263) for 263 entries" },
        { "id-not-integer", "model.vocab['hello'] is \"x\", not an integer id" },
        { "duplicate-token", "model.vocab lists token 'hello' twice" },
        { "missing-byte", "model.vocab lacks the token 'Ā' for byte 0x00; a byte-level BPE needs all 256" },
        { "not-byte-level", "model.vocab token 'h€' (id 262) has a character outside the byte-level alphabet" },
        { "added-id-clash", "added_tokens[1] '<sep>' has id 263, which added token '<|endoftext|>' already has" },
        { "added-vocab-clash", "added_tokens[1] '<sep>' has id 5, which model.vocab already uses for another token" },
        { "added-other-id", "added_tokens[1] 'hello' has id 264, but model.vocab gives it id 262" },
        { "added-twice", "added_tokens[1] '<|endoftext|>' appears twice (ids 263 and 264)" },
        { "added-no-id", "added_tokens[0] has no integer 'id'" },
        { "added-id-text", "added_tokens[0] has no integer 'id'" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void BrokenFilesNameTheFileAndTheEntry(string breakage, string message) =>
        AssertRefused<TokenizerFormatException>(breakage, message);

    public static TheoryData<string, string> Unsupported => new()
    {
        { "split-pattern", "pre_tokenizer Split pattern '\\w+' is not supported; supported are the GPT-2, Llama 3 and Qwen 2 patterns" },
        { "no-pre-tokenizer", "pre_tokenizer null is not supported" },
        { "whitespace-pre-tokenizer", "pre_tokenizer {\"type\":\"Whitespace\"} is not supported" },
        { "lowercase", "normalizer {\"type\":\"Lowercase\"} is not supported" },
        { "wordpiece-decoder", "decoder {\"type\":\"WordPiece\"} is not supported" },
        { "byte-fallback", "model.byte_fallback is true" },
        { "lstrip", "added_tokens[0] '<|endoftext|>' sets lstrip" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void UnsupportedFeaturesNameTheFileAndTheFeature(string feature, string message) =>
        AssertRefused<NotSupportedException>(feature, message);

    private void AssertRefused<TException>(string breakage, string message) where TException : Exception
    {
        var e = Assert.Throws<TException>(() => files.Load(Break(breakage)));
        Assert.StartsWith(files.TokenizerPath + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Gpt2FilesNameTheMergeLine()
    {
        var encoder = Path.Combine(files.Directory, "encoder.json");
        var merges = Path.Combine(files.Directory, "vocab.bpe");
        File.WriteAllText(encoder, TokenizerJsonFixture.Build()["model"]!["vocab"]!.ToJsonString());
        File.WriteAllLines(merges, ["#version: 0.2", "h e", "he q"]);
        var e = Assert.Throws<TokenizerFormatException>(() => Gpt2TokenizerFiles.Load(encoder, merges));
        Assert.Equal($"{merges}: line 3 'he q' makes 'heq', which is not in encoder.json", e.Message);
    }

    private static string Break(string breakage)
    {
        var json = TokenizerJsonFixture.Build();
        var model = json["model"]!.AsObject();
        var vocab = model["vocab"]!.AsObject();
        var merges = model["merges"]!.AsArray();
        var added = json["added_tokens"]!.AsArray();
        switch (breakage)
        {
            case "not-json": return "{ \"model\": ";
            case "array": return "[]";
            case "no-model": json.Remove("model"); break;
            case "wordpiece": model["type"] = "WordPiece"; break;
            case "no-vocab": model.Remove("vocab"); break;
            case "no-merges": model.Remove("merges"); break;
            case "unknown-merge-token": merges[1] = "Ġ zz"; break;
            case "merge-result-missing": merges.Add("Ġ h"); break;
            case "bad-merge": merges[0] = "h e x"; break;
            case "duplicate-id": vocab["hello"] = 0; break;
            case "id-out-of-range": vocab["hello"] = 9999; break;
            case "id-not-integer": vocab["hello"] = "x"; break;
            case "duplicate-token": return json.ToJsonString().Replace("\"hello\":262", "\"hello\":262,\"hello\":261", StringComparison.Ordinal);
            case "missing-byte": vocab.Remove("Ā"); vocab["ZZ"] = 188; break;
            case "not-byte-level": vocab.Remove("hello"); vocab["h€"] = 262; break;
            case "added-id-clash": added[1]!["id"] = 263; break;
            case "added-vocab-clash": added[1]!["id"] = 5; break;
            case "added-other-id": added[1]!["content"] = "hello"; break;
            case "added-twice": added[1]!["content"] = "<|endoftext|>"; break;
            case "added-no-id": added[0]!.AsObject().Remove("id"); break;
            case "added-id-text": added[0]!["id"] = "263"; break;
            case "split-pattern":
                json["pre_tokenizer"] = TokenizerJsonFixture.SplitThenByteLevel(PreTokenizer.Llama3);
                json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = @"\w+";
                break;
            case "no-pre-tokenizer": json["pre_tokenizer"] = null; break;
            case "whitespace-pre-tokenizer": json["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" }; break;
            case "lowercase": json["normalizer"] = new JsonObject { ["type"] = "Lowercase" }; break;
            case "wordpiece-decoder": json["decoder"] = new JsonObject { ["type"] = "WordPiece" }; break;
            case "byte-fallback": model["byte_fallback"] = true; break;
            case "lstrip": added[0]!["lstrip"] = true; break;
            default: throw new ArgumentException(breakage);
        }
        return json.ToJsonString();
    }
}
