using Fpo.Models.Checkpoints;
using Fpo.Sae.Evaluation;
using Fpo.Sae.Formats;
using Fpo.Testing;

namespace Fpo.Sae.Tests.Evaluation;

/// <summary>Every SAE evaluation metric on a tiny GPT-2 and two SAELens-layout SAEs against tests/reference/sae_eval.py
/// (PyTorch in float64 from the same float32 weights); windows run in batches of 2, 2 and 1.</summary>
public sealed class SaeEvaluatorGoldenTests
{
    // Mirrors tests/reference/sae_eval.py.
    private const int T = 16, Windows = 5, Tail = 7;
    private const float Rtol = 2e-4f;

    [Theory]
    [InlineData("topk", SaeArchitecture.TopK)]
    [InlineData("jumprelu", SaeArchitecture.JumpReLU)]
    public void EveryMetricMatchesPyTorch(string name, SaeArchitecture architecture)
    {
        using var g = GoldenFile.Open("sae_eval.golden.safetensors");
        var root = Path.Combine(RepoPaths.GoldenDir, "sae_eval");
        var (_, model) = HuggingFaceCheckpoint.Load(Path.Combine(root, "model"));
        var sae = SaeFolder.Load(Path.Combine(root, name));
        Assert.Equal(architecture, sae.Config.Architecture);
        var tokens = g.ReadFloat32("tokens").Select(v => (int)v).ToArray();
        Assert.Equal(Windows * T + Tail, tokens.Length);
        var reports = new List<SaeEvaluationProgress>();

        var result = new SaeEvaluator(model, sae, new SaeEvaluationSettings { ContextSize = T, WindowsPerBatch = 2 })
            .Evaluate(tokens, new SyncProgress(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(Windows * T, result.Tokens);
        Assert.Equal([32L, 64L, 80L], reports.Select(r => r.Tokens));
        Assert.All(reports, r => Assert.Equal(80L, r.TotalTokens));
        float[] Read(string metric) => g.ReadFloat32($"{name}.{metric}");
        foreach (var (metric, value) in new (string, double)[]
                 {
                     ("l0", result.MeanL0), ("mse", result.Mse), ("fvu", result.Fvu), ("cosine", result.Cosine),
                     ("ce_clean", result.CeClean), ("ce_sae", result.CeSae), ("ce_zero", result.CeZeroAblated),
                     ("ce_recovered", result.CeRecovered), ("kl", result.KlDivergence),
                     ("dead_fraction", result.DeadFraction), ("dense_fraction", result.DenseFraction),
                 })
            TensorComparison.AssertClose($"{name}.{metric}", [(float)value], Read(metric), Rtol);
        Assert.Equal(Read("counts").Select(c => (long)c), result.FiringCounts);
        Assert.Equal(Read("histogram").Select(c => (int)c), result.DensityHistogram.Select(b => b.Latents));
        // The fixture's SAEs have latents biased never to fire and some biased to fire always: both counts are exercised.
        Assert.True(result.DeadLatents > 0 && result.DenseLatents > 0, $"dead {result.DeadLatents}, dense {result.DenseLatents}");
        Assert.Equal(result.FiringCounts.Length, result.DeadLatents + result.DensityHistogram.Sum(b => b.Latents));
    }

    private sealed class SyncProgress(Action<SaeEvaluationProgress> report) : IProgress<SaeEvaluationProgress>
    {
        public void Report(SaeEvaluationProgress value) => report(value);
    }
}
