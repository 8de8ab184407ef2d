using System.Text;
using System.Text.Json.Nodes;
using Fpo.Models.Tests.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Testing.Fuzzing;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>
/// Mutates valid tokenizer files with a fixed seed, blindly (bytes) and structurally (JSON values of other types,
/// hostile numbers, deleted, added and duplicated keys, deep nesting; merge lines). Every case must either load and
/// round-trip a sample string, or throw <see cref="TokenizerFormatException"/> or <see cref="NotSupportedException"/>
/// naming the file: no other exception, no case slower or more allocating than a bound.
/// </summary>
public sealed class TokenizerFileFuzzTests : IDisposable
{
    private const int Seed = 20261123;
    private const int Cases = 6_000;
    private const long MaxAllocatedBytesPerCase = 32 << 20;
    private const long MaxMillisecondsPerCase = 2_000;
    private const string Sample = "hello the 34 héllo<|endoftext|> <sep>\n\t🙂 llo  hehe";

    private static readonly Type[] UserFacing = [typeof(TokenizerFormatException), typeof(NotSupportedException)];

    private static readonly JsonMutator Json = new(
    [
        "BPE", "WordPiece", "ByteLevel", "Split", "Sequence", "NFC", "Lowercase", "Isolated", "Removed", "type", "vocab",
        "merges", "model", "added_tokens", "pre_tokenizer", "decoder", "normalizer", "content", "id", "special", "lstrip",
        "byte_fallback", "dropout", "ignore_merges", "use_regex", "add_prefix_space", "pretokenizers", "pattern", "Regex",
        "continuing_subword_prefix", "bos_token", "eos_token", "<|endoftext|>", "<sep>", "hello", "he", "h e", "Ġ t", "Ġ",
        "h", "e", "l lo", "Ā", PreTokenizer.Llama3.Pattern ?? "", PreTokenizer.Gpt2.Pattern ?? "",
    ]);

    private readonly TempDirectory _dir = TempDirectory.InMemory();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task MutatedTokenizerJsonLoadsAndRoundTripsOrNamesTheFile()
    {
        var tokenizerPath = _dir.File("tokenizer.json");
        var configPath = _dir.File("tokenizer_config.json");
        var gpt2Style = TokenizerJsonFixture.Build();
        var llamaStyle = TokenizerJsonFixture.Build();
        llamaStyle["pre_tokenizer"] = TokenizerJsonFixture.SplitThenByteLevel(PreTokenizer.Llama3);
        llamaStyle["model"]!["merges"] = new JsonArray(TokenizerJsonFixture.MergeList
            .Select(m => (JsonNode)new JsonArray(m.Split(' ').Select(p => (JsonNode)p!).ToArray())).ToArray());
        llamaStyle["model"]!["ignore_merges"] = true;
        string[] bases = [gpt2Style.ToJsonString(), llamaStyle.ToJsonString()];
        var config = "{\"bos_token\":\"<|endoftext|>\",\"eos_token\":{\"content\":\"<|endoftext|>\",\"special\":true}}";

        await Measure(random =>
        {
            var tokenizer = bases[random.Next(bases.Length)];
            var withConfig = random.Next(3) == 0;
            var mutateConfig = withConfig && random.Next(3) == 0;
            var (text, kind) = Mutate(random, mutateConfig ? config : tokenizer);
            File.WriteAllText(tokenizerPath, mutateConfig ? tokenizer : text);
            if (withConfig) File.WriteAllText(configPath, mutateConfig ? text : config);
            else File.Delete(configPath);
            return (kind, $"{(mutateConfig ? "tokenizer_config.json" : "tokenizer.json")}: {text}",
                () => HuggingFaceTokenizerFile.Load(tokenizerPath), [tokenizerPath, configPath]);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task MutatedGpt2FilesLoadAndRoundTripOrNameTheFile()
    {
        var encoderPath = _dir.File("encoder.json");
        var mergesPath = _dir.File("vocab.bpe");
        var vocab = TokenizerJsonFixture.Build()["model"]!["vocab"]!.AsObject();
        vocab["<|endoftext|>"] = vocab.Count;
        var encoder = vocab.ToJsonString();
        var merges = "#version: 0.2\n" + string.Join("\n", TokenizerJsonFixture.MergeList) + "\n";

        await Measure(random =>
        {
            var mutateMerges = random.Next(2) == 0;
            var (text, kind) = mutateMerges ? MutateLines(random, merges) : Mutate(random, encoder);
            File.WriteAllText(encoderPath, mutateMerges ? encoder : text);
            File.WriteAllText(mergesPath, mutateMerges ? text : merges);
            return (kind, $"{(mutateMerges ? "vocab.bpe" : "encoder.json")}: {text}",
                () => Gpt2TokenizerFiles.Load(encoderPath, mergesPath), [encoderPath, mergesPath]);
        });
    }

    private static Task Measure(Func<Random, (string Kind, string Input, Func<BpeTokenizer> Load, string[] Files)> next) =>
        FuzzTally.RunAndReport(Cases, Seed, "loaded and round-tripped", () => Run(next));

    private static FuzzTally Run(Func<Random, (string Kind, string Input, Func<BpeTokenizer> Load, string[] Files)> next)
    {
        var random = new Random(Seed);
        var tally = new FuzzTally();
        for (var i = 0; i < Cases; i++)
        {
            var (kind, input, load, files) = next(random);
            string Describe() => $"case {i} (seed {Seed}, {kind}, {input[..Math.Min(input.Length, 4000)]})";
            var thrown = FuzzCase.Run(() => RoundTrip(load(), Describe), MaxMillisecondsPerCase, MaxAllocatedBytesPerCase, Describe);
            if (thrown is not null) FuzzCase.AssertUserFacing(thrown, UserFacing, files, Describe);
            tally.Add(kind, thrown is null);
        }
        return tally;
    }

    private static void RoundTrip(BpeTokenizer tokenizer, Func<string> describe)
    {
        var ids = tokenizer.Encode(Sample);
        Assert.True(ids.All(id => (uint)id < (uint)tokenizer.VocabSize), $"{describe()} encoded an id outside the vocabulary");
        var decoded = tokenizer.Decode(ids);
        if (decoded != Sample) Assert.Fail($"{describe()} loaded, but the sample decodes to '{decoded}'");
    }

    private static (string Text, string Kind) Mutate(Random random, string json)
    {
        if (random.Next(3) != 0) return Json.Mutate(random, json);
        var (bytes, kind) = ByteMutator.Mutate(random, Encoding.UTF8.GetBytes(json));
        return (Encoding.UTF8.GetString(bytes), kind);
    }

    // vocab.bpe is lines of "left right": drop, repeat, swap, or rewrite one, or damage the bytes.
    private static (string Text, string Kind) MutateLines(Random random, string text)
    {
        if (random.Next(3) == 0)
        {
            var (bytes, kind) = ByteMutator.Mutate(random, Encoding.UTF8.GetBytes(text));
            return (Encoding.UTF8.GetString(bytes), kind);
        }
        var lines = text.Split('\n').ToList();
        var at = random.Next(lines.Count);
        string[] pieces = ["h", "e", "he", "l", "lo", "llo", "Ġ", "t", "Ġt", "the", "3", "4", "", " ", "x", "\r", "Ā", "#version: 0.2"];
        switch (random.Next(4))
        {
            case 0: lines.RemoveAt(at); break;
            case 1: lines.Insert(at, lines[random.Next(lines.Count)]); break;
            case 2: (lines[at], lines[^1]) = (lines[^1], lines[at]); break;
            default:
                lines[at] = string.Join(random.Next(4) == 0 ? "  " : " ",
                    Enumerable.Range(0, random.Next(1, 4)).Select(_ => pieces[random.Next(pieces.Length)]));
                break;
        }
        return (string.Join('\n', lines), "Lines");
    }
}
