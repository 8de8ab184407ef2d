using Fpo.Alignment.Preferences;
using Fpo.Models.Tokenization;

namespace Fpo.Alignment.Tests.Preferences;

public class PreferenceJsonlTests
{
    internal static PreferencePair FullPair(string id) => new()
    {
        Id = id,
        Prompt = "Explain \"FPO\" in one line:\n",
        Chosen = " Feature-level constraints — ünïcode ✓",
        Rejected = " no",
        PromptTokens = [5, 17, 0, 2],
        ChosenTokens = [9, 9, 1],
        RejectedTokens = [3],
        Label = 0.8125,
        PolicyVersion = 42,
        Judge = new JudgeMetadata("rlaif", "qwen2.5-7b", 0.75, 0.875),
        Reference = new ReferenceData
        {
            ChosenLogProbSum = -12.345678901234,
            RejectedLogProbSum = -3.0000001,
            ChosenLogProbMean = -4.115226300411,
            RejectedLogProbMean = -3.0000001,
            ChosenFeatures = new SparseFeatures([1, 7, 4095], [0.5f, 1e-7f, 3.4028235e38f]),
            RejectedFeatures = SparseFeatures.Empty,
            SaeLayer = 11,
            SaeId = "gpt2-res-jb/blocks.11",
        },
    };

    [Fact]
    public void EveryFieldRoundTripsExactly()
    {
        PreferencePair[] pairs = [FullPair("a"), new() { Id = "b", Prompt = "", Chosen = "x", Rejected = "y" }];
        var text = new StringWriter();
        PreferenceJsonl.Write(text, pairs);
        var read = PreferenceJsonl.Read(new StringReader(text.ToString()), "pairs.jsonl");

        Assert.Equal(2, read.Count);
        Assert.Equal(pairs.Select(PreferenceJsonl.ToLine), read.Select(PreferenceJsonl.ToLine));
        var a = read[0];
        Assert.Equal(pairs[0].PromptTokens, a.PromptTokens);
        Assert.Equal(0.8125, a.Label);
        Assert.Equal(42, a.PolicyVersion);
        Assert.Equal(pairs[0].Judge, a.Judge);
        Assert.Equal(pairs[0].Reference!.ChosenLogProbSum, a.Reference!.ChosenLogProbSum);
        Assert.Equal(pairs[0].Reference!.ChosenFeatures, a.Reference.ChosenFeatures);
        Assert.Equal(3.4028235e38f, a.Reference.ChosenFeatures![4095]);
        Assert.Equal(0f, a.Reference.ChosenFeatures[2]);
        Assert.Null(read[1].PromptTokens);
        Assert.Null(read[1].Reference);
    }

    [Fact]
    public void ATextOnlyLineGetsDefaultsAndIsTokenisedLater()
    {
        const string line = """{"prompt": "the cat", "chosen": " sat on the mat", "rejected": " dogs"}""";
        var pair = Assert.Single(PreferenceJsonl.Read(new StringReader("\n" + line + "\n\n"), "/data/p.jsonl"));
        Assert.Equal("p.jsonl:2", pair.Id);
        Assert.Equal(1.0, pair.Label);
        Assert.False(pair.HasTokens);

        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 50).Select(i => $"the cat {i % 5} sat on the mat with dogs. "), 300);
        var tokenized = PairTokenization.Tokenize(pair, tokenizer);
        Assert.Equal(tokenizer.Encode("the cat"), tokenized.PromptTokens);
        Assert.Equal(" sat on the mat", tokenizer.Decode(tokenized.ChosenTokens!));
        Assert.Equal(" dogs", tokenizer.Decode(tokenized.RejectedTokens!));
        Assert.Same(tokenized, PairTokenization.Tokenize(tokenized, tokenizer));
    }

    [Theory]
    [InlineData("""{"prompt":"p","chosen":"c"}""", "rejected", "missing")]
    [InlineData("""{"prompt":"p","chosen":["c"],"rejected":"r"}""", "chosen", "expected a string")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","label":1.5}""", "label", "not a probability")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","label":"NaN"}""", "label", "not a number")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","label":-0.01}""", "label", "not a probability")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","prompt_tokens":[1],"chosen_tokens":[2,-3],"rejected_tokens":[4]}""", "chosen_tokens[1]", "not a token id")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","prompt_tokens":[1],"chosen_tokens":[2.5],"rejected_tokens":[4]}""", "chosen_tokens[0]", "not a token id")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","prompt_tokens":[1],"chosen_tokens":[],"rejected_tokens":[4]}""", "chosen_tokens", "empty")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","prompt_tokens":[1],"chosen_tokens":[2]}""", "rejected_tokens", "together")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","score":3}""", "score", "unknown field")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","policy_version":-1}""", "policy_version", "non-negative integer")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","judge":{"name":"j","model":"m","p_chosen_first":0.5}}""", "judge.p_chosen_second", "missing")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","reference":{"chosen_logp_sum":1,"rejected_logp_sum":-1,"chosen_logp_mean":-1,"rejected_logp_mean":-1}}""", "reference.chosen_logp_sum", "not a log-probability")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","reference":{"chosen_logp_sum":-1,"rejected_logp_sum":-1,"chosen_logp_mean":-1,"rejected_logp_mean":-1,"sae_layer":0,"chosen_features":{"latents":[3,2],"values":[1,1]},"rejected_features":{"latents":[],"values":[]}}}""", "reference.chosen_features.latents[1]", "ascending")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","reference":{"chosen_logp_sum":-1,"rejected_logp_sum":-1,"chosen_logp_mean":-1,"rejected_logp_mean":-1,"sae_layer":0,"chosen_features":{"latents":[1],"values":[1]}}}""", "reference.rejected_features", "together")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r","prompt":"q"}""", "prompt", "twice")]
    [InlineData("""{"prompt":"p","chosen":"c","rejected":"r" """, "", "not valid JSON")]
    [InlineData("""[1,2]""", "", "expected a JSON object")]
    public void AMalformedLineNamesFileLineAndField(string line, string field, string problem)
    {
        var text = """{"prompt":"ok","chosen":"a","rejected":"b"}""" + "\n" + line + "\n";
        var e = Assert.Throws<PreferenceFormatException>(() => PreferenceJsonl.Read(new StringReader(text), "in.jsonl"));
        Assert.Equal(2, e.Line);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("in.jsonl:2: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARepeatedIdIsAnError()
    {
        var text = """{"id":"x","prompt":"p","chosen":"a","rejected":"b"}""" + "\n" + """{"id":"x","prompt":"q","chosen":"a","rejected":"b"}""";
        var e = Assert.Throws<PreferenceFormatException>(() => PreferenceJsonl.Read(new StringReader(text), "in.jsonl"));
        Assert.Contains("already used on line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FilesRoundTripThroughDisk()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fpo-pairs-{Guid.NewGuid():N}.jsonl");
        try
        {
            PreferenceJsonl.Write(path, [FullPair("one"), FullPair("two")]);
            var read = PreferenceJsonl.Read(path);
            Assert.Equal(["one", "two"], read.Select(p => p.Id));
            Assert.Equal(PreferenceJsonl.ToLine(FullPair("two")), PreferenceJsonl.ToLine(read[1]));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
