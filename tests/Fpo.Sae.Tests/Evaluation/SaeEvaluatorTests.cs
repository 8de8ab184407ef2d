using Fpo.Models.Transformer;
using Fpo.Sae.Evaluation;

namespace Fpo.Sae.Tests.Evaluation;

/// <summary>Known answers (an SAE that reconstructs exactly, the density histogram) and the evaluator's errors.</summary>
public sealed class SaeEvaluatorTests
{
    private const int C = 16, V = 40;

    [Fact]
    public void AnExactReconstructionRecoversAllTheLoss()
    {
        var model = Model();
        // relu(x) − relu(−x) = x: latents j < C read +x_j, latents C + j read −x_j, and decode back with the same sign.
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = C, Latents = 2 * C, Layer = 0, ApplyDecoderBiasToInput = false });
        for (var j = 0; j < C; j++)
        {
            sae.EncoderWeight[j * C + j] = sae.DecoderWeight[j * C + j] = 1;
            sae.EncoderWeight[(C + j) * C + j] = sae.DecoderWeight[(C + j) * C + j] = -1;
        }
        var result = new SaeEvaluator(model, sae, new SaeEvaluationSettings { ContextSize = 8, WindowsPerBatch = 3 })
            .Evaluate(Tokens(50), cancel: TestContext.Current.CancellationToken);

        Assert.Equal(48, result.Tokens);
        Assert.Equal(6, result.Windows);
        Assert.InRange(result.Mse, 0, 1e-10);
        Assert.InRange(result.Fvu, 0, 1e-10);
        Assert.InRange(result.Cosine, 1 - 1e-6, 1 + 1e-6);
        Assert.InRange(result.KlDivergence, -1e-9, 1e-9);
        Assert.Equal(result.CeClean, result.CeSae, 1e-6);
        Assert.True(result.CeZeroAblated > result.CeClean + 1e-3, $"zero ablation should cost loss: {result.CeZeroAblated} vs {result.CeClean}");
        Assert.Equal(1, result.CeRecovered, 1e-4);
        // Every channel of a residual is non-zero: exactly one of each pair of latents fires on every token.
        Assert.Equal(C, result.MeanL0, 1e-9);
        Assert.Equal(result.FiringCounts.Length, result.DeadLatents + result.DensityHistogram.Sum(b => b.Latents));
    }

    [Fact]
    public void TheHistogramBinsLog10DensityAndCountsDeadAndDenseApart()
    {
        long[] counts = [0, 1, 10, 100, 30];
        var bins = FeatureDensity.Histogram(counts, 100, binWidth: 1);
        Assert.Equal([new DensityBin(-2, -1, 1), new DensityBin(-1, 0, 3)], bins);
        Assert.Equal(1, FeatureDensity.Dead(counts));
        Assert.Equal(2, FeatureDensity.Dense(counts, 100, threshold: 0.1));  // 10/100 is not more than 0.1
    }

    [Fact]
    public void CeRecoveredIsNaNWhenZeroAblationCostsNothing()
    {
        var e = new SaeEvaluation
        {
            Layer = 0, Tokens = 1, Windows = 1, ContextSize = 2, MeanL0 = 0, Mse = 0, Fvu = 0, Cosine = 0,
            CeClean = 2, CeSae = 2.5, CeZeroAblated = 2, KlDivergence = 0, FiringCounts = [0], DenseThreshold = 0.1,
            DeadLatents = 1, DenseLatents = 0, DensityHistogram = [],
        };
        Assert.True(double.IsNaN(e.CeRecovered));
    }

    [Fact]
    public void TooFewTokensWrongWidthAndBadSettingsAreRefused()
    {
        var model = Model();
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.TopK, K = 2, InputSize = C, Latents = 8, Layer = 1 });
        var evaluator = new SaeEvaluator(model, sae, new SaeEvaluationSettings { ContextSize = 16 });
        Assert.Contains("15 tokens do not make one window of 16",
            Assert.Throws<ArgumentException>(() => evaluator.Evaluate(Tokens(15), cancel: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
        var wide = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.TopK, K = 2, InputSize = C + 1, Latents = 8 });
        Assert.Contains("SAE d_in is 17 but the model's residual stream has 16 channels",
            Assert.Throws<ArgumentException>(() => new SaeEvaluator(model, wide, new SaeEvaluationSettings())).Message, StringComparison.Ordinal);
        Assert.Contains("context size must be in [2, 32]",
            Assert.Throws<ArgumentException>(() => new SaeEvaluator(model, sae, new SaeEvaluationSettings { ContextSize = 33 })).Message, StringComparison.Ordinal);
        Assert.Contains("dense threshold",
            Assert.Throws<ArgumentException>(() => new SaeEvaluator(model, sae, new SaeEvaluationSettings { ContextSize = 8, DenseThreshold = 1 })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CancellationStopsTheRunAndLeavesTheModelUnedited()
    {
        var model = Model();
        var tokens = Tokens(32);
        model.Forward(tokens, 2, 16);
        var before = model.Logits.ToArray();
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = C, Latents = 8, Layer = 0 });
        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnReport(cancel);
        Assert.Throws<OperationCanceledException>(() =>
            new SaeEvaluator(model, sae, new SaeEvaluationSettings { ContextSize = 16, WindowsPerBatch = 1 }).Evaluate(tokens, progress, cancel.Token));
        Assert.Equal(1, progress.Reports);
        model.Forward(tokens, 2, 16);
        Assert.Equal(before, model.Logits.ToArray());
    }

    private static TransformerModel Model() =>
        new(ModelConfig.CreateGpt2(vocabSize: V, maxPositions: 32, layers: 2, channels: C, heads: 2), seed: 5);

    private static int[] Tokens(int n) => Enumerable.Range(0, n).Select(i => (i * 7 + 3) % V).ToArray();

    private sealed class CancelOnReport(CancellationTokenSource cancel) : IProgress<SaeEvaluationProgress>
    {
        public int Reports { get; private set; }

        public void Report(SaeEvaluationProgress value)
        {
            Reports++;
            cancel.Cancel();
        }
    }
}
