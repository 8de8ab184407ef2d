using Fpo.Sae;
using Fpo.Sae.Formats;

namespace Fpo.Silo.Tests;

/// <summary>`fpo sae train` end to end on a tiny model folder: training, the saved SAE, --resume, and one-line errors.</summary>
public sealed class SaeTrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-sae-train-").FullName;
    private readonly string _model;
    private readonly string _corpus;

    public SaeTrainCommandTests()
    {
        _model = Path.Combine(_root, "model");
        TinyModelFolder.Write(_model);
        _corpus = Path.Combine(_root, "corpus.txt");
        File.WriteAllLines(_corpus, Enumerable.Range(0, 300).Select(i => $"the cat {i % 11} sat on the mat with {i % 7} dogs and {i % 5} birds."));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string[] Args(string run, params string[] extra) =>
        ["sae", "train", "--model", _model, "--out", run, "--threads", "1", "--context", "32", "--batch", "128", .. extra];

    [Fact]
    public void TrainsSavesASaeLensFolderAndResumesToTheSameWeights()
    {
        var run = Path.Combine(_root, "run");
        string[] train = [.. Args(run, "--layer", "1", "--arch", "topk", "--k", "4", "--latents", "64", "--tokens", "2048",
            "--corpus", _corpus, "--checkpoint-every", "4")];
        var (exit, _, error) = CliTests.Run(train);
        Assert.True(exit == 0, error);
        var sae = SaeFolder.Load(run);
        Assert.Equal(SaeArchitecture.TopK, sae.Config.Architecture);
        Assert.Equal((32, 64, 4, 1), (sae.Config.InputSize, sae.Config.Latents, sae.Config.K, sae.Config.Layer));
        Assert.Equal(16, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);

        // Lose the last checkpoint as an interrupted run would, then --resume: the last 4 steps again, same weights.
        Directory.Delete(Path.Combine(run, "checkpoints", "step-0000016"), recursive: true);
        var resumed = CliTests.Run(["sae", "train", "--model", _model, "--out", run, "--threads", "1", "--resume"]);
        Assert.True(resumed.Exit == 0, resumed.Error);
        Assert.Equal(20, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
        Assert.Equal(sae.EncoderWeight, SaeFolder.Load(run).EncoderWeight);
        Assert.Equal(sae.DecoderWeight, SaeFolder.Load(run).DecoderWeight);

        var again = CliTests.Run(train);
        Assert.Equal(2, again.Exit);
        Assert.StartsWith($"--out {run} already holds an SAE training run", again.Error);
    }

    [Fact]
    public void WithoutACorpusSamplesTheModelAndSavesBatchTopKAsJumpReLU()
    {
        var run = Path.Combine(_root, "sampled");
        var (exit, _, error) = CliTests.Run(Args(run, "--layer", "0", "--hook", "resid_post", "--arch", "batchtopk", "--k", "4", "--latents", "64", "--tokens", "1024"));
        Assert.True(exit == 0, error);
        var sae = SaeFolder.Load(run);
        Assert.Equal(SaeArchitecture.JumpReLU, sae.Config.Architecture);
        Assert.True(sae.Threshold[0] > 0);
        Assert.All(sae.Threshold, t => Assert.Equal(sae.Threshold[0], t));
        Assert.Equal(8, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
    }

    [Theory]
    [InlineData("--layer 2 is out of range: the model has layers 0..1", "--layer", "2")]
    [InlineData("--arch gated is unknown: use relu, topk, batchtopk or jumprelu", "--layer", "1", "--arch", "gated")]
    [InlineData("--k 100 must be in [1, --latents 64]", "--layer", "1", "--k", "100")]
    [InlineData("--k applies to --arch topk and batchtopk, not relu", "--layer", "1", "--arch", "relu", "--k", "8")]
    [InlineData("--l1 applies to --arch relu, not topk", "--layer", "1", "--l1", "3")]
    [InlineData("--layer 0 --hook resid_pre is the embedding output, which is not hooked: use --layer >= 1 or --hook resid_post", "--layer", "0", "--hook", "resid_pre")]
    [InlineData("--hook resid_mid is unknown: use resid_post or resid_pre", "--layer", "1", "--hook", "resid_mid")]
    [InlineData("--tokens is required (the tokens to train on)", "--layer", "1", "--no-tokens")]
    [InlineData("--layer is required (the block whose residual stream the SAE reads)")]
    [InlineData("SAE training tokens (100) must be at least one batch of 128", "--layer", "1", "--tokens", "100")]
    [InlineData("--context 32 must be in [1, 64] (the model's positions)", "--layer", "1", "--context-too-long")]
    public void BadArgumentsGiveOneLineErrors(string message, params string[] extra)
    {
        var args = Args(Path.Combine(_root, "bad"), [.. extra.Where(a => a is not "--no-tokens" and not "--context-too-long"), "--latents", "64"]).ToList();
        if (!extra.Contains("--tokens") && !extra.Contains("--no-tokens")) args.AddRange(["--tokens", "1024"]);
        if (extra.Contains("--context-too-long"))
        {
            args[args.IndexOf("--context") + 1] = "65";
            message = message.Replace("--context 32", "--context 65", StringComparison.Ordinal);
        }
        var (exit, _, error) = CliTests.Run([.. args]);
        Assert.Equal(2, exit);
        Assert.Equal(message, error.Trim());
    }

    [Fact]
    public void ShortCorporaAndResumesWithNewSettingsAreRefused()
    {
        var tiny = Path.Combine(_root, "tiny.txt");
        File.WriteAllText(tiny, "the cat sat");
        var (exit, _, error) = CliTests.Run(Args(Path.Combine(_root, "short"), "--layer", "1", "--tokens", "1024", "--latents", "64", "--k", "4", "--corpus", tiny));
        Assert.Equal(2, exit);
        Assert.Matches(@"^--corpus .*tiny\.txt: \d+ tokens do not make one window of 32 \(--context\)$", error.Trim());

        var resume = CliTests.Run(["sae", "train", "--model", _model, "--out", Path.Combine(_root, "nothing"), "--resume", "--latents", "128"]);
        Assert.Equal("--resume continues with the run's saved settings: drop --latents", resume.Error.Trim());
        var none = CliTests.Run(["sae", "train", "--model", _model, "--out", Path.Combine(_root, "nothing"), "--resume"]);
        Assert.StartsWith("--out ", none.Error);
        Assert.EndsWith("no checkpoint to resume from (run without --resume to start one)", none.Error.Trim());
    }
}
