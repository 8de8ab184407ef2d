using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Config;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Testing;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>Judge and constitution YAML: each kind builds its judge; each mistake names file, line and key.</summary>
public sealed class JudgeConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-judge-config-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Constitution = """
        kind: constitution
        name: rules
        temperature: 0.5
        principles:
          - name: polite
            weight: 2
            keywords: {reward: [thank you], penalise: [stupid]}
          - name: finished
            complete_sentence: {}
        """;

    [Fact]
    public void ConstitutionBuildsItsPrinciples()
    {
        var judge = Assert.IsType<ConstitutionJudge>(JudgeConfig.Load(Write("c.yaml", Constitution)));
        Assert.Equal("rules", judge.Name);
        Assert.Equal(0.5, judge.Temperature);
        Assert.Equal(["polite", "finished"], judge.Principles.Select(p => p.Name));
        Assert.Equal([2.0, 1.0], judge.Principles.Select(p => p.Weight));
        Assert.IsType<CompleteSentenceScore>(judge.Principles[1].Function);
    }

    [Fact]
    public void CombinatorsNestJudgesAndFiles()
    {
        Write("c.yaml", Constitution);
        var path = Write("all.yaml", """
            kind: all-of
            members:
              - file: c.yaml
              - kind: mixture
                weight: 2
                members:
                  - file: c.yaml
                    weight: 3
                  - kind: openai
                    model: tiny
                    endpoint: http://127.0.0.1:9/v1
            """);
        var judge = Assert.IsType<JudgeCombinator>(JudgeConfig.Load(path));
        Assert.Equal(CombinationMode.AllOf, judge.Mode);
        var mixture = Assert.IsType<JudgeCombinator>(judge.Members[1].Judge);
        Assert.Equal(2, judge.Members[1].Weight);
        Assert.Equal(CombinationMode.Mixture, mixture.Mode);
        Assert.Equal(3, mixture.Members[0].Weight);
        using var openAi = Assert.IsType<OpenAiJudge>(mixture.Members[1].Judge);
        Assert.Equal("tiny", openAi.Model);
    }

    [Fact]
    public async Task AModelJudgeLoadsItsFolderRelativeToTheConfig()
    {
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 100).Select(i => $"Response {i % 3}: the cat {i % 11} sat. "), 280, ["<|endoftext|>"]);
        var dir = Path.Combine(_root, "judge-model");
        HuggingFaceCheckpoint.Save(dir, new TransformerModel(ModelConfig.CreateGpt2(tokenizer.VocabSize, 256, 1, 16, 2), seed: 2));
        HuggingFaceTokenizerFile.Save(tokenizer, dir);
        var path = Write("m.yaml", "kind: model\nname: local\npath: judge-model\nmargin: 0\nprompt: {preamble: Better?}\n");
        var judge = Assert.IsType<ModelJudge>(JudgeConfig.Load(path));
        Assert.Equal(("local", "judge-model"), (judge.Name, judge.Model));
        Assert.True((await judge.JudgeAsync(new JudgeRequest("the cat", "sat.", "3"), TestContext.Current.CancellationToken)).IsLabel);
    }

    [Theory]
    [InlineData("constitution.yaml", typeof(ConstitutionJudge))]
    [InlineData("openai-local.yaml", typeof(OpenAiJudge))]
    [InlineData("openai-cot.yaml", typeof(OpenAiJudge))]
    [InlineData("mixture.yaml", typeof(JudgeCombinator))]
    public void TheExampleConfigsLoad(string file, Type kind)
    {
        var judge = JudgeConfig.Load(Path.Combine(RepoPaths.Root, "silo-config", "judges", file));
        Assert.IsType(kind, judge);
        (judge as IDisposable)?.Dispose();
    }

    [Theory]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n    keywords: {reward: [x]\n", 5, "", "not valid YAML")]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n    wieght: 2\n    entities: {}\n", 4, "principles[0].wieght", "unknown key")]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n    weight: heavy\n    entities: {}\n", 4, "principles[0].weight", "expected a number, found 'heavy'")]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n", 3, "principles[0]", "needs exactly one scoring function")]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n    entities: {}\n    length: {max_words: 9}\n", 3, "principles[0]", "found length, entities")]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n    regex:\n      reward: ['(unclosed']\n", 5, "principles[0].regex.reward", "is not a valid regular expression")]
    [InlineData("kind: constitution\nprinciples:\n  - name: a\n    length: {min_words: 9, max_words: 3}\n", 4, "principles[0].length.max_words", "must be >= min_words")]
    [InlineData("kind: constitution\ntemperature: 0\nprinciples:\n  - name: a\n    entities: {}\n", 2, "temperature", "must be positive")]
    [InlineData("kind: constitution\n", 1, "principles", "missing")]
    [InlineData("kind: oracle\n", 1, "kind", "unknown judge kind 'oracle'")]
    [InlineData("name: x\n", 1, "kind", "missing")]
    [InlineData("kind: openai\nmodel: m\ntop_logprobs: 30\n", 3, "top_logprobs", "must be in 1..20")]
    [InlineData("kind: openai\nmodel: m\nendpoint: ftp://host/v1\n", 3, "endpoint", "must be an absolute http(s) URL")]
    [InlineData("kind: openai\nendpoint: http://127.0.0.1:9/v1\n", 1, "model", "missing")]
    [InlineData("kind: openai\nmodel: m\napi_key: sk-123\n", 3, "api_key", "a key is never read from a file")]
    [InlineData("kind: openai\nmodel: m\nprovider: bedrock\n", 3, "provider", "unknown provider 'bedrock' (expected openai or azure)")]
    [InlineData("kind: openai\nmodel: m\nprovider: azure\n", 1, "endpoint", "azure needs the resource's endpoint")]
    [InlineData("kind: openai\nmodel: m\nmax_tokens_field: n_predict\n", 3, "max_tokens_field", "unknown field 'n_predict'")]
    [InlineData("kind: openai\nmodel: m\ntimeout_seconds: 0.001\n", 3, "timeout_seconds", "must be positive: from 0.01 s to a day")]
    [InlineData("kind: openai\nmodel: m\ntimeout_seconds: 10\ntotal_timeout_seconds: 5\n", 4, "total_timeout_seconds", "must be from timeout_seconds to a day")]
    [InlineData("kind: openai\nmodel: m\nconcurrency: 0\n", 3, "concurrency", "must be at least 1")]
    [InlineData("kind: openai\nmodel: m\nprompt:\n  examples:\n    - {context: c, response_1: a, response_2: b, preferred: 3}\n", 5, "prompt.examples[0].preferred", "must be 1 or 2")]
    [InlineData("kind: mixture\nmembers:\n  - kind: constitution\n    principles: []\n", 4, "members[0].principles", "needs at least one principle")]
    [InlineData("kind: model\npath: no-such-folder\n", 2, "path", "cannot load the model folder")]
    [InlineData("- a\n- b\n", 1, "", "expected a mapping")]
    public void MistakesNameFileLineAndKey(string yaml, int line, string key, string problem)
    {
        var path = Write("bad.yaml", yaml);
        var e = Assert.Throws<JudgeConfigException>(() => JudgeConfig.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal(key, e.Key);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith($"{path}:{line}: ", e.Message);
    }
}
