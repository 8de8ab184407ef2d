using Fpo.Models.Transformer;
using Fpo.Sae.Formats;
using Fpo.Sae.Training;

namespace Fpo.Sae.Tests.Training;

public sealed class SaeTrainingRunTests
{
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(vocabSize: 64, maxPositions: 32, layers: 2, channels: 32, heads: 4);
    private static readonly int[] Tokens = [.. Enumerable.Range(0, 4096).Select(i => (i * 37 + i / 7 * 11) % 64)];
    private static readonly SaeConfig Sae = new() { Architecture = SaeArchitecture.BatchTopK, InputSize = 32, Latents = 64, K = 4, Layer = 1 };
    private static readonly SaeTrainingSettings Settings = new()
    {
        TotalTokens = 3000, BatchSize = 64, ContextSize = 16, WindowsPerPass = 4, BufferRows = 400, CheckpointEvery = 5, Seed = 11,
        LearningRate = 1e-3f,
    };

    // BatchTopK carries the threshold average, JumpReLU a trained threshold with its Adam state, ReLU the L1 warmup.
    [Theory]
    [InlineData(SaeArchitecture.BatchTopK)]
    [InlineData(SaeArchitecture.JumpReLU)]
    [InlineData(SaeArchitecture.ReLU)]
    public void AResumedRunEndsWithBitIdenticalWeightsToAnUninterruptedOne(SaeArchitecture architecture)
    {
        var sae = Sae with { Architecture = architecture, K = architecture == SaeArchitecture.BatchTopK ? 4 : 0 };
        using var dir = new ScratchDirectory();
        var model = new TransformerModel(Config, seed: 2);
        var whole = SaeTrainingRun.Start(dir.Sub("whole"), model, Tokens, sae, Settings);
        Assert.Equal(46, whole.TotalSteps);  // 3000 tokens → 187 windows of 16 → 2992 activations → 46 batches of 64
        whole.Run(cancel: TestContext.Current.CancellationToken);

        using (var cancel = new CancellationTokenSource())
        {
            var first = SaeTrainingRun.Start(dir.Sub("split"), model, Tokens, sae, Settings);
            first.Run(new Inline(p => { if (p.Step == 17) cancel.Cancel(); }), cancel.Token);
            Assert.Equal(18, first.NextStep);  // the step under way when cancelled finishes, then a checkpoint
        }
        Assert.EndsWith("step-0000018", SaeTrainingCheckpoint.Latest(dir.Sub("split")));
        var resumed = SaeTrainingRun.Resume(dir.Sub("split"), model, Tokens);
        Assert.Equal(18, resumed.NextStep);
        resumed.Run(cancel: TestContext.Current.CancellationToken);
        Assert.Equal(46, resumed.NextStep);

        var a = whole.Trainer.Weights;
        var b = resumed.Trainer.Weights;
        Assert.Equal(a.EncoderWeight, b.EncoderWeight);
        Assert.Equal(a.DecoderWeight, b.DecoderWeight);
        Assert.Equal(a.EncoderBias, b.EncoderBias);
        Assert.Equal(a.DecoderBias, b.DecoderBias);
        Assert.Equal(a.Threshold, b.Threshold);
        Assert.Equal(whole.Trainer.ThresholdAverage, resumed.Trainer.ThresholdAverage);
        Assert.Equal(whole.Trainer.Tracker.TokensSinceFired, resumed.Trainer.Tracker.TokensSinceFired);

        // The run folders hold the same saved SAE, as JumpReLU reading raw activations; two checkpoints are kept.
        var saved = SaeFolder.Load(dir.Sub("whole"));
        Assert.Equal(architecture == SaeArchitecture.ReLU ? SaeArchitecture.ReLU : SaeArchitecture.JumpReLU, saved.Config.Architecture);
        Assert.Equal(SaeFolder.Load(dir.Sub("split")).EncoderWeight, saved.EncoderWeight);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(dir.Sub("whole"), SaeTrainingCheckpoint.Folder), "step-*").Length);
        Assert.Equal(46, File.ReadAllLines(Path.Combine(dir.Sub("whole"), SaeTrainingRun.MetricsFile)).Length);
        Assert.Equal(46, File.ReadAllLines(Path.Combine(dir.Sub("split"), SaeTrainingRun.MetricsFile)).Length);
    }

    [Fact]
    public void RefusesStreamsTooShortAndResumesWithoutACheckpointOrWithAnotherStream()
    {
        using var dir = new ScratchDirectory();
        var model = new TransformerModel(Config, seed: 2);
        var e = Assert.Throws<ArgumentException>(() => SaeTrainingRun.Start(dir.Sub("short"), model, Tokens.AsMemory(0, 60), Sae, Settings));
        Assert.Equal("60 tokens (of 3,000 asked for) make no batch of 64 activations in whole windows of 16", e.Message);
        Assert.Contains("no checkpoint to resume from", Assert.Throws<InvalidOperationException>(() => SaeTrainingRun.Resume(dir.Sub("none"), model, Tokens)).Message);
        var run = SaeTrainingRun.Start(dir.Sub("run"), model, Tokens, Sae, Settings with { TotalTokens = 640 });
        run.Run(cancel: TestContext.Current.CancellationToken);
        var other = Assert.Throws<ArgumentException>(() => SaeTrainingRun.Resume(dir.Sub("run"), model, Tokens.AsMemory(0, 300)));
        Assert.Contains("planned for 10 steps, but the 300 tokens given make 4", other.Message);
        var wide = new TransformerModel(ModelConfig.CreateGpt2(vocabSize: 64, maxPositions: 32, layers: 2, channels: 16, heads: 4), seed: 1);
        Assert.Contains("d_in is 32, the model's residual width is 16",
            Assert.Throws<ArgumentException>(() => SaeTrainingRun.Start(dir.Sub("wide"), wide, Tokens, Sae, Settings)).Message);
        File.WriteAllText(Path.Combine(SaeTrainingCheckpoint.Latest(dir.Sub("run"))!, "trainer_state.json"), "{");
        Assert.Contains("not a valid SAE trainer state", Assert.Throws<InvalidDataException>(() => SaeTrainingRun.Resume(dir.Sub("run"), model, Tokens)).Message);
    }

    private sealed class Inline(Action<SaeTrainingProgress> report) : IProgress<SaeTrainingProgress>
    {
        public void Report(SaeTrainingProgress value) => report(value);
    }
}
