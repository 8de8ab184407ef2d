using Fpo.Models.Training;
using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Training;

public sealed class PretrainRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-pretrain-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly PretrainSettings Settings = new()
    {
        Steps = 6, BatchSize = 2, SequenceLength = 8, WarmupSteps = 2, CheckpointEvery = 100, EvalEvery = 3, EvalBatches = 2, Seed = 7,
    };

    private static int[] Corpus()
    {
        // A learnable stream: a repeating pattern with noise, so the loss must fall.
        var random = new Random(3);
        return [.. Enumerable.Range(0, 4000).Select(i => random.Next(10) == 0 ? random.Next(32) : i % 16)];
    }

    private static TransformerModel NewModel() => new(ModelConfig.CreateGpt2(vocabSize: 32, maxPositions: 16, layers: 1, channels: 16, heads: 2), seed: 5);

    [Fact]
    public void CancelledThenResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        var straightDir = Path.Combine(_root, "straight");
        var straight = PretrainRun.Start(straightDir, NewModel(), Corpus(), Settings);
        straight.Run(cancel: TestContext.Current.CancellationToken);

        var splitDir = Path.Combine(_root, "split");
        using var cancel = new CancellationTokenSource();
        var first = PretrainRun.Start(splitDir, NewModel(), Corpus(), Settings);
        first.Run(new Inline(p => { if (p.Step == 3) cancel.Cancel(); }), cancel.Token);
        Assert.Equal(3, first.NextStep);
        Assert.NotNull(PretrainCheckpoint.Latest(splitDir));

        var resumed = PretrainRun.Resume(splitDir, Corpus());
        Assert.Equal(3, resumed.NextStep);
        resumed.Run(cancel: TestContext.Current.CancellationToken);

        Assert.Equal(6, resumed.NextStep);
        Assert.Equal(straight.Model.Parameters, resumed.Model.Parameters);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(splitDir, PretrainRun.MetricsFile)).Length);
    }

    [Fact]
    public void LossFallsOnALearnableStream()
    {
        var run = PretrainRun.Start(Path.Combine(_root, "learn"), NewModel(), Corpus(), Settings with { Steps = 40, LearningRate = 1e-2f });
        var before = run.ValidationLoss();
        run.Run(cancel: TestContext.Current.CancellationToken);
        var after = run.ValidationLoss();
        Assert.True(after < before - 0.5f, $"validation loss went from {before} to {after}");
    }

    [Fact]
    public void AHalfWrittenCheckpointIsNotResumedFrom()
    {
        var dir = Path.Combine(_root, "partial");
        Directory.CreateDirectory(Path.Combine(dir, PretrainCheckpoint.Folder, ".tmp-step-0000009-1"));
        Directory.CreateDirectory(Path.Combine(dir, PretrainCheckpoint.Folder, "step-0000009"));
        Assert.Null(PretrainCheckpoint.Latest(dir));
        var e = Assert.Throws<InvalidOperationException>(() => PretrainRun.Resume(dir, Corpus()));
        Assert.Contains("no checkpoint to resume from", e.Message);
    }

    [Fact]
    public void TooShortACorpusIsRejectedWithTheNumbers()
    {
        var e = Assert.Throws<ArgumentException>(() => PretrainRun.Start(Path.Combine(_root, "short"), NewModel(), [1, 2, 3, 4, 5], Settings));
        Assert.Contains("5 tokens", e.Message);
    }

    [Fact]
    public void TokensOutsideTheVocabularyAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => PretrainRun.Start(Path.Combine(_root, "oov"), NewModel(), [.. Corpus(), 99], Settings));
        Assert.Contains("token id 99", e.Message);
    }

    private sealed class Inline(Action<PretrainProgress> report) : IProgress<PretrainProgress>
    {
        public void Report(PretrainProgress value) => report(value);
    }
}
