using System.Text.Json.Nodes;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>A small but complete byte-level tokenizer.json built in code, and a temp folder to write variants into.</summary>
internal sealed class TokenizerJsonFixture : IDisposable
{
    public static readonly string[] MergeList = ["h e", "Ġ t", "Ġt he", "l o", "l lo", "3 4"];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("fpo-tokenizer-").FullName;

    public string TokenizerPath => Path.Combine(Directory, "tokenizer.json");

    /// <summary>256 byte tokens in GPT-2 order, then he, Ġt, Ġthe, lo, llo, 34, hello; &lt;|endoftext|&gt; (special)
    /// and &lt;sep&gt; (plain) are added tokens 263 and 264.</summary>
    public static JsonObject Build()
    {
        var vocab = new JsonObject();
        var id = 0;
        foreach (var c in ByteLevel.ByteToChar.Order())
            vocab[c.ToString()] = id++;
        foreach (var token in new[] { "he", "Ġt", "Ġthe", "lo", "llo", "34", "hello" })
            vocab[token] = id++;
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 263, ["content"] = "<|endoftext|>", ["special"] = true },
                new JsonObject { ["id"] = 264, ["content"] = "<sep>", ["special"] = false }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(MergeList.Select(m => (JsonNode)m).ToArray()),
            },
        };
    }

    /// <summary>A Sequence of a Split with the pattern of <paramref name="pre"/> and a ByteLevel without regex, as in
    /// Llama 3's and Qwen 2's files.</summary>
    public static JsonObject SplitThenByteLevel(PreTokenizer pre) => new()
    {
        ["type"] = "Sequence",
        ["pretokenizers"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "Split",
                ["pattern"] = new JsonObject { ["Regex"] = pre.Pattern },
                ["behavior"] = "Isolated",
                ["invert"] = false,
            },
            new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
    };

    public BpeTokenizer Load(JsonObject json) => Load(json.ToJsonString());

    public BpeTokenizer Load(string text)
    {
        File.WriteAllText(TokenizerPath, text);
        return HuggingFaceTokenizerFile.Load(TokenizerPath);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
