using Fpo.Models.Transformer;
using Fpo.Sae.Formats;

namespace Fpo.Sae.Evaluation;

/// <summary>
/// Measures an SAE on a model's residual stream (see <see cref="SaeEvaluation"/> for every formula). The first tokens of
/// a stream are cut into windows of the context size (a tail shorter than a window is not evaluated), and each batch of
/// windows runs three training forwards: clean (its resid_post[layer] is what the SAE encodes), with the reconstruction
/// spliced in through <see cref="TransformerModel.SetResidualEdit"/>, and with that residual zeroed. The model's
/// residual edit is cleared afterwards.
/// </summary>
public sealed class SaeEvaluator
{
    private readonly TransformerModel _model;
    private readonly SaeWeights _sae;
    private readonly SaeEvaluationSettings _settings;

    public SaeEvaluator(TransformerModel model, SaeWeights sae, SaeEvaluationSettings settings)
    {
        SaeModelCheck.Check(sae.Config, model.Config, "SAE evaluation");
        (_model, _sae, _settings) = (model, sae, settings.Validate(model.Config.MaxPositions));
    }

    /// <summary>Tokens the evaluation of a stream of <paramref name="streamLength"/> tokens covers: whole windows only.</summary>
    public long TokensEvaluated(long streamLength) => Math.Min(streamLength, _settings.MaxTokens) / _settings.ContextSize * _settings.ContextSize;

    public SaeEvaluation Evaluate(ReadOnlyMemory<int> tokens, IProgress<SaeEvaluationProgress>? progress = null, CancellationToken cancel = default)
    {
        int T = _settings.ContextSize, D = _sae.Config.InputSize, F = _sae.Config.Latents, V = _model.Config.VocabSize, layer = _sae.Config.Layer;
        var total = TokensEvaluated(tokens.Length);
        if (total == 0)
            throw new ArgumentException($"SAE evaluation: {Math.Min(tokens.Length, _settings.MaxTokens)} tokens do not make one window of {T}", nameof(tokens));
        var windows = (int)(total / T);
        var maxB = Math.Min(_settings.WindowsPerBatch, windows);
        var pass = new SaeTrainingPass(_sae, new SaeLossSettings(), maxB * T);
        var x = new float[maxB * T * D];              // (B,T,D) clean resid_post[layer]
        var xhat = new float[maxB * T * D];           // (B,T,D)
        var cleanLogits = new float[maxB * T * V];    // (B,T,V)
        var spliced = new float[maxB * T * V];        // (B,T,V)
        var cleanLse = new double[maxB * T];          // (B,T)
        var stats = new ReconstructionStatistics(D, F);
        double ceClean = 0, ceSae = 0, ceZero = 0, kl = 0;
        long targets = 0;
        try
        {
            for (var w0 = 0; w0 < windows; w0 += maxB)
            {
                cancel.ThrowIfCancellationRequested();
                var B = Math.Min(maxB, windows - w0);
                int N = B * T;
                var batch = tokens.Span.Slice(w0 * T, N);
                var next = Targets(batch, B, T);

                _model.ClearResidualEdit();
                ceClean += RunLoss(batch, next, B, T);
                _model.ResidualPost(layer).CopyTo(x);
                _model.Logits.CopyTo(cleanLogits);
                NextTokenDivergence.LogSumExp(cleanLse, cleanLogits, N, V);

                var codes = pass.Encode(x, N);
                SparseDecoder.Forward(xhat, codes, _sae.DecoderWeight, _sae.DecoderBias, N, D);
                stats.Add(x.AsSpan(0, N * D), xhat.AsSpan(0, N * D), codes, N);

                _model.SetResidualEdit(layer, (residual, n) => xhat.AsSpan(0, n * D).CopyTo(residual));
                ceSae += RunLoss(batch, next, B, T);
                _model.Logits.CopyTo(spliced);
                kl += NextTokenDivergence.Sum(cleanLogits, cleanLse, spliced, N, V);

                _model.SetResidualEdit(layer, (residual, _) => residual.Clear());
                ceZero += RunLoss(batch, next, B, T);

                targets += (long)B * (T - 1);
                progress?.Report(new SaeEvaluationProgress(stats.Tokens, total));
            }
        }
        finally
        {
            _model.ClearResidualEdit();
        }
        return new SaeEvaluation
        {
            Layer = layer, Tokens = total, Windows = windows, ContextSize = T,
            MeanL0 = stats.MeanL0, Mse = stats.Mse, Fvu = stats.Fvu, Cosine = stats.Cosine,
            CeClean = ceClean / targets, CeSae = ceSae / targets, CeZeroAblated = ceZero / targets, KlDivergence = kl / total,
            FiringCounts = stats.FiringCounts, DenseThreshold = _settings.DenseThreshold,
            DeadLatents = FeatureDensity.Dead(stats.FiringCounts),
            DenseLatents = FeatureDensity.Dense(stats.FiringCounts, total, _settings.DenseThreshold),
            DensityHistogram = FeatureDensity.Histogram(stats.FiringCounts, total, _settings.HistogramBinWidth),
        };
    }

    // The next token of the window at every position but the last, which has none in the window (-1: ignored).
    private static int[] Targets(ReadOnlySpan<int> tokens, int B, int T)
    {
        var targets = new int[B * T];  // (B,T)
        for (var b = 0; b < B; b++)
        {
            for (var t = 0; t < T - 1; t++) targets[b * T + t] = tokens[b * T + t + 1];
            targets[b * T + T - 1] = -1;
        }
        return targets;
    }

    // Summed (not mean) next-token loss over the targets, in double.
    private double RunLoss(ReadOnlySpan<int> tokens, int[] targets, int B, int T)
    {
        _model.ForwardLoss(tokens, targets, B, T);
        var losses = _model.TokenLosses;
        double sum = 0;
        for (var i = 0; i < B * T; i++)
            if (targets[i] >= 0) sum += losses[i];
        return sum;
    }
}
