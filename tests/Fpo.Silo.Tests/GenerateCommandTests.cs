using System.Text.Json;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo generate` on a tiny random model saved as a Hugging Face folder: the JSON document, seeds, stops,
/// a prompts file, and one-line errors for bad input.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-generate-").FullName;
    private readonly string _model;

    public GenerateCommandTests()
    {
        _model = Path.Combine(_root, "model");
        TinyModelFolder.Write(_model);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private JsonElement Json(params string[] args)
    {
        var (exit, output, error) = Run(["generate", "--model", _model, "--json", "--threads", "1", .. args]);
        Assert.True(exit == 0, error);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Fact]
    public void JsonHasEverySampleWithLogProbsAndTheSameSeedRepeatsIt()
    {
        var doc = Json("--prompt", "the cat", "--n", "3", "--max-new-tokens", "8", "--seed", "5", "--temperature", "0.9", "--top-p", "0.95");
        Assert.Equal(5UL, doc.GetProperty("seed").GetUInt64());
        var result = doc.GetProperty("results").EnumerateArray().Single();
        Assert.Equal("the cat", result.GetProperty("prompt").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var samples = result.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], samples.Select(s => s.GetProperty("index").GetInt32()));
        foreach (var s in samples)
        {
            var tokens = s.GetProperty("tokens").GetArrayLength();
            Assert.InRange(tokens, 1, 8);
            Assert.Equal(tokens == 8 ? "length" : "stop", s.GetProperty("finish_reason").GetString());
            foreach (var key in new[] { "model_logprobs", "sampling_logprobs" })
            {
                var logProbs = s.GetProperty(key).EnumerateArray().Select(v => v.GetSingle()).ToList();
                Assert.Equal(tokens, logProbs.Count);
                Assert.All(logProbs, lp => Assert.True(lp <= 0, $"{key} {lp} > 0"));
            }
        }
        Assert.True(doc.GetProperty("usage").GetProperty("generated_tokens").GetInt64() >= 3);

        var again = Json("--prompt", "the cat", "--n", "3", "--max-new-tokens", "8", "--seed", "5", "--temperature", "0.9", "--top-p", "0.95");
        Assert.Equal(doc.GetProperty("results").GetRawText(), again.GetProperty("results").GetRawText());
    }

    [Fact]
    public void AStopStringCutsTheText()
    {
        string[] args = ["--prompt", "the mat", "--n", "4", "--max-new-tokens", "16", "--seed", "2", "--ignore-eos"];
        var samples = Json(args).GetProperty("results")[0].GetProperty("samples").EnumerateArray().ToList();
        // A stop made of two ASCII letters or spaces from the middle of some sample's text.
        var (index, stop) = samples.SelectMany(s =>
        {
            var text = s.GetProperty("text").GetString()!;
            return Enumerable.Range(1, Math.Max(0, text.Length - 2))
                .Where(i => text.Substring(i, 2).All(c => char.IsAsciiLetter(c) || c == ' '))
                .Select(i => (Index: s.GetProperty("index").GetInt32(), Stop: text.Substring(i, 2)));
        }).First();
        var before = samples[index].GetProperty("text").GetString()!;

        var stopped = Json([.. args, "--stop", stop, "--stop", "never there"]).GetProperty("results")[0].GetProperty("samples")[index];

        Assert.Equal(before[..before.IndexOf(stop, StringComparison.Ordinal)], stopped.GetProperty("text").GetString());
        Assert.Equal("stop", stopped.GetProperty("finish_reason").GetString());
        Assert.Equal(stop, stopped.GetProperty("stop").GetString());
    }

    [Fact]
    public void TextOutputSeparatesTheSamplesAndTheSummaryNamesTheSeed()
    {
        var (exit, output, error) = Run("generate", "--model", _model, "--prompt", "the", "--n", "2", "--max-new-tokens", "4", "--seed", "11", "--threads", "1");
        Assert.True(exit == 0, error);
        Assert.Contains("=== prompt 0: \"the\"", output);
        Assert.Contains("--- sample 0 (", output);
        Assert.Contains("--- sample 1 (", output);
        Assert.Matches(@"2 samples of 1 prompt, \d+ new tokens in [\d.]+ s \([\d.]+ tok/s\), seed 11", error);
    }

    [Fact]
    public void APromptsFileRunsEveryPromptWithItsIdAndSeed()
    {
        var file = Path.Combine(_root, "prompts.jsonl");
        File.WriteAllLines(file, ["{\"prompt\": \"the cat\", \"id\": \"first\"}", "", "{\"prompt\": \"on the\\nmat\"}", "{\"prompt\": \"dogs\"}"]);
        var (exit, output, error) = Run("generate", "--model", _model, "--prompts", file, "--n", "2", "--max-new-tokens", "5", "--seed", "100", "--max-batch", "3", "--json", "--threads", "1");
        Assert.True(exit == 0, error);
        var results = JsonDocument.Parse(output).RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["first", "1", "2"], results.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal([100UL, 101UL, 102UL], results.Select(r => r.GetProperty("seed").GetUInt64()));
        Assert.Equal("on the\nmat", results[1].GetProperty("prompt").GetString());
        Assert.All(results, r => Assert.Equal(2, r.GetProperty("samples").GetArrayLength()));
        Assert.Contains("fpo: 3/3 prompts", error);
    }

    [Theory]
    [InlineData("--n", "0", "--n must be at least 1 (got 0)")]
    [InlineData("--max-new-tokens", "-3", "--max-new-tokens must be at least 1")]
    [InlineData("--temperature", "-1", "--temperature is -1")]
    [InlineData("--top-p", "1.5", "--top-p is 1.5")]
    [InlineData("--top-k", "-2", "--top-k is -2")]
    [InlineData("--max-seq-len", "1000", "--max-seq-len must be in [1, 64]")]
    [InlineData("--max-new-tokens", "100", "request 0: prompt of 1 tokens + 100 new tokens needs 101 positions, the engine holds 64 per sequence")]
    [InlineData("--stop", "", "--stop must not be empty")]
    public void BadValuesGetAOneLineError(string option, string value, string expected)
    {
        var (exit, _, error) = Run("generate", "--model", _model, "--prompt", "the", option, value);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void MissingModelsAndPromptsGetAOneLineError()
    {
        var missing = Path.Combine(_root, "nowhere");
        Assert.Contains($"--model {missing}: no such folder", Run("generate", "--model", missing, "--prompt", "x").Error);
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        Assert.Contains("no config.json (expected a Hugging Face model folder", Run("generate", "--model", empty, "--prompt", "x").Error);
        Assert.Contains("give a prompt: --prompt TEXT or --prompts FILE", Run("generate", "--model", _model).Error);
        var bad = Path.Combine(_root, "bad.jsonl");
        File.WriteAllLines(bad, ["{\"prompt\": \"ok\"}", "{\"text\": \"no prompt\"}"]);
        Assert.Contains("bad.jsonl line 2: expected an object with a string \"prompt\"", Run("generate", "--model", _model, "--prompts", bad).Error);
    }

    [Fact]
    public void HelpDescribesTheOptions()
    {
        var (exit, output, _) = Run("generate", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--prompts", "--n", "--top-p", "--min-p", "--stop", "--max-batch", "--ignore-eos", "--json", "--seed" })
            Assert.Contains(option, output);
    }
}
