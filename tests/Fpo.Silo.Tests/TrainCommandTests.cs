using System.Text.Json;
using Fpo.Sae;
using Fpo.Sae.Formats;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo reference` then `fpo train` on the tiny model folder: a few steps, a model folder at the end, --resume, and
/// one-line errors for what a method needs but was not given.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-train-").FullName;
    private readonly string _model, _sae, _pairs, _annotated;

    public TrainCommandTests()
    {
        _model = Path.Combine(_root, "model");
        TinyModelFolder.Write(_model);
        _sae = Path.Combine(_root, "sae");
        SaeFolder.Save(_sae, RandomSae(seed: 5));
        _pairs = Path.Combine(_root, "pairs.jsonl");
        var lines = Enumerable.Range(0, 12).Select(i =>
            $$"""{"prompt":"the cat {{i % 11}} sat","chosen":" on the mat with {{i % 7}} dogs.","rejected":" on the dogs {{i % 5}}."}""");
        File.WriteAllLines(_pairs, lines);
        _annotated = Path.Combine(_root, "annotated.jsonl");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ReferenceThenFpoTrainsSavesAModelFolderAndResumes()
    {
        var reference = Run("reference", "--model", _model, "--sae", _sae, "--pairs", _pairs, "--out", _annotated, "--threads", "1");
        Assert.True(reference.Exit == 0, reference.Error);
        var run = Path.Combine(_root, "run");
        string[] train = ["train", "--method", "fpo", "--policy", _model, "--sae", _sae, "--pairs", _annotated, "--out", run,
            "--batch", "4", "--lr", "1e-3", "--checkpoint-every", "2", "--eval-every", "2", "--held-out", "0.2", "--threads", "1"];

        var first = Run([.. train, "--steps", "3"]);
        Assert.True(first.Exit == 0, first.Error);
        Assert.Contains("fpo on 10 pairs (2 held out)", first.Error);
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "metrics.jsonl" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
        var last = JsonDocument.Parse(File.ReadLines(Path.Combine(run, "metrics.jsonl")).Last()).RootElement;
        Assert.Equal(3, last.GetProperty("step").GetInt32());
        Assert.True(last.GetProperty("d_fpo_rejected").GetSingle() >= 0);

        var again = Run([.. train, "--steps", "3"]);
        Assert.Equal(2, again.Exit);
        Assert.Contains("pass --resume", again.Error);
        var changed = Run("train", "--pairs", _annotated, "--out", run, "--resume", "--beta", "0.5");
        Assert.Equal(2, changed.Exit);
        Assert.Contains("drop --beta", changed.Error);

        var resumed = Run("train", "--pairs", _annotated, "--out", run, "--resume", "--steps", "5", "--threads", "1");
        Assert.True(resumed.Exit == 0, resumed.Error);
        Assert.Contains("resuming", resumed.Error);
        Assert.Equal(Enumerable.Range(1, 5), File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));
        var generate = Run("generate", "--model", run, "--prompt", "the cat", "--max-new-tokens", "3", "--threads", "1");
        Assert.True(generate.Exit == 0, generate.Error);
    }

    [Fact]
    public void WhatAMethodNeedsButWasNotGivenIsOneLine()
    {
        Assert.Equal(0, Run("reference", "--model", _model, "--pairs", _pairs, "--out", _annotated, "--threads", "1").Exit);
        var withSae = Path.Combine(_root, "with-sae.jsonl");
        Assert.Equal(0, Run("reference", "--model", _model, "--sae", _sae, "--pairs", _pairs, "--out", withSae, "--threads", "1").Exit);
        var otherSae = Path.Combine(_root, "other-sae");
        SaeFolder.Save(otherSae, RandomSae(seed: 6));
        var run = Path.Combine(_root, "run");

        (string[] Args, string Expected)[] cases =
        [
            (["--method", "fpo", "--pairs", _annotated], "--method fpo needs --sae"),
            (["--method", "dpo", "--pairs", _pairs], "pair 'pairs.jsonl:1' has no reference data, which dpo reads: run ./fpo reference on the pairs first"),
            (["--method", "fpo", "--sae", _sae, "--pairs", _annotated], "has reference log-probs but no reference SAE features, which fpo reads: run ./fpo reference with --sae first"),
            (["--method", "fpo", "--sae", otherSae, "--pairs", withSae], "its reference features come from SAE 'sae', training uses 'other-sae'"),
            (["--method", "simpo", "--sae", _sae, "--pairs", _pairs], "--sae is read only by fpo, not by simpo"),
            (["--method", "dpo", "--reference", _model, "--pairs", _annotated], "--reference is read only by tdpo1 and tdpo2"),
            (["--method", "dpo", "--alpha", "0.3", "--pairs", _annotated], "alpha is a setting of fpo and tdpo2, not of dpo"),
        ];
        foreach (var (args, expected) in cases)
        {
            var (exit, _, error) = Run(["train", "--policy", _model, "--out", run, .. args]);
            Assert.True(exit == 2, $"{string.Join(' ', args)}: exit {exit}, {error}");
            Assert.Contains(expected, error);
            Assert.Single(error.Trim().Split('\n'));
        }
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints")));
    }

    [Fact]
    public void HelpShowsThePerMethodDefaults()
    {
        var (exit, output, _) = Run("train", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("fpo 0.1, dpo 0.1, simpo 2, tdpo1 0.1, tdpo2 0.1", output);
        Assert.Contains("--resume", output);
    }

    private static SaeWeights RandomSae(int seed)
    {
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 32, Latents = 64, Layer = 1 });
        var random = new Random(seed);
        for (var i = 0; i < weights.EncoderWeight.Length; i++) weights.EncoderWeight[i] = (float)(random.NextDouble() - 0.5) * 20;
        return weights;
    }
}
