using System.Text.Json;
using Fpo.Alignment.Preferences;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo judge` and `fpo judge eval` with a constitution judge (no model, no server).</summary>
public sealed class JudgeCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-judge-").FullName;
    private readonly string _config, _pairs;

    public JudgeCommandTests()
    {
        _config = Path.Combine(_root, "judge.yaml");
        File.WriteAllText(_config, """
            kind: constitution
            name: polite
            temperature: 0.5
            principles:
              - name: thanks
                weight: 2
                keywords: {reward: [thank you], penalise: [stupid, whatever]}
              - name: names
                entities: {}
            """);
        _pairs = Path.Combine(_root, "pairs.jsonl");
        File.WriteAllLines(_pairs,
        [
            """{"id":"swap","prompt":"Say thanks to Alice.","chosen":"you are stupid","rejected":"Thank you, Alice.","label":0.1}""",
            """{"id":"keep","prompt":"Say thanks to Alice.","chosen":"Thank you, Alice.","rejected":"whatever"}""",
            """{"id":"same","prompt":"Say thanks to Alice.","chosen":"Thank you.","rejected":"Thank you."}""",
            """{"id":"wrong","prompt":"Say thanks to Bob.","chosen":"stupid Bob","rejected":"Thank you, Bob.","label":0.9}""",
        ]);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void LabelsPairsWithThePreferredResponseChosenAndKeepsAbstentions()
    {
        var output = Path.Combine(_root, "out.jsonl");
        var (exit, _, error) = Run("judge", "--judge", _config, "--pairs", _pairs, "--out", output);
        Assert.True(exit == 0, error);
        Assert.Contains("4 pairs: 3 labelled, 1 abstained (LowConfidence 1); 4 calls, 0 retries, 0 cache hits", error);

        var labelled = PreferenceJsonl.Read(output);
        Assert.Equal(["swap", "keep", "wrong"], labelled.Select(p => p.Id));
        Assert.Equal("Thank you, Alice.", labelled[0].Chosen);
        Assert.Equal("you are stupid", labelled[0].Rejected);
        Assert.Equal("Thank you, Bob.", labelled[2].Chosen);
        Assert.Equal("Thank you, Alice.", labelled[1].Chosen);
        foreach (var pair in labelled)
        {
            Assert.InRange(pair.Label, 0.5, 1);
            Assert.Equal("polite", pair.Judge!.Name);
            Assert.Equal("judge.yaml", pair.Judge.Model);
            Assert.Equal(pair.Label, pair.Judge.ChosenFirstProbability, 12);
        }

        var abstained = File.ReadAllLines(Path.Combine(_root, "out.abstained.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var same = Assert.Single(abstained);
        Assert.Equal("same", same.GetProperty("id").GetString());
        Assert.Equal("LowConfidence", same.GetProperty("reason").GetString());
        Assert.Contains("within 0.05 of 0.5", same.GetProperty("detail").GetString());
    }

    [Fact]
    public void EvalReportsAgreementPositionConsistencyAndAbstentionsAsJson()
    {
        var (exit, output, error) = Run("judge", "eval", "--judge", _config, "--pairs", _pairs, "--json");
        Assert.True(exit == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(4, json.GetProperty("pairs").GetInt32());
        Assert.Equal(3, json.GetProperty("labelled").GetInt32());
        // "swap" (label 0.1) and "keep" (label 1) agree; "wrong" (label 0.9 for the rude answer) does not
        Assert.Equal(3, json.GetProperty("compared").GetInt32());
        Assert.Equal(2 / 3.0, json.GetProperty("agreement").GetDouble(), 12);
        Assert.Equal(1.0, json.GetProperty("position_consistency").GetDouble());
        Assert.Equal(0.25, json.GetProperty("abstention_rate").GetDouble());
        Assert.Equal(1, json.GetProperty("abstentions").GetProperty("LowConfidence").GetInt32());
        Assert.Equal(0, json.GetProperty("abstentions").GetProperty("Timeout").GetInt32());
    }

    [Fact]
    public void EvalPrintsAReadableSummary()
    {
        var (exit, output, error) = Run("judge", "eval", "--judge", _config, "--pairs", _pairs);
        Assert.True(exit == 0, error);
        Assert.Contains("agreement with the labels: 66.7% (2 of 3 labelled pairs whose label is not 0.5)", output);
        Assert.Contains("abstention rate: 25.0%", output);
        Assert.Contains("LowConfidence: 1 (25.0%)", output);
    }

    [Fact]
    public void ABadConfigGetsOneLineNamingFileLineAndKey()
    {
        var bad = Path.Combine(_root, "bad.yaml");
        File.WriteAllText(bad, "kind: constitution\nprinciples:\n  - name: a\n    weight: lots\n    entities: {}\n");
        var (exit, _, error) = Run("judge", "--judge", bad, "--pairs", _pairs, "--out", Path.Combine(_root, "o.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains($"{bad}:4: key 'principles[0].weight': expected a number, found 'lots'", error);
    }

    [Fact]
    public void ParallelMustBeAtLeastOne()
    {
        var (exit, _, error) = Run("judge", "eval", "--judge", _config, "--pairs", _pairs, "--parallel", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--parallel must be at least 1 (got 0)", error);
    }

    [Fact]
    public void AMissingPairsFileIsNamed()
    {
        var (exit, _, error) = Run("judge", "eval", "--judge", _config, "--pairs", Path.Combine(_root, "none.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains("--pairs", error);
        Assert.Contains("no such file", error);
    }
}
