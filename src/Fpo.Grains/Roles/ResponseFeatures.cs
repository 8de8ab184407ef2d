using Fpo.Alignment.Batching;
using Fpo.Sae;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Roles;

/// <summary>
/// Folds the frozen SAE's codes of every response of a batch into <see cref="FeatureStatistics"/>: the residual at the
/// positions that predict response tokens (the positions FPO pools), each response one sequence whose tokens are the
/// inputs at those positions. Rollout grains fold their policy's residuals, the reference grain the reference's.
/// </summary>
public sealed class ResponseFeatures
{
    private readonly SaeWeights _sae;
    private readonly SparseCodes _codes = new();
    private float[] _x = [], _xin = [], _pre = [];  // (N,D), (N,D), (N,F) of one response

    public ResponseFeatures(SaeWeights sae, int topN, int contextRadius)
    {
        _sae = sae;
        TopN = topN;
        ContextRadius = contextRadius;
    }

    public int TopN { get; }
    public int ContextRadius { get; }

    /// <summary>Statistics of no tokens for this SAE.</summary>
    public FeatureStatistics Empty() => new(_sae.Config.Latents, TopN, ContextRadius);

    /// <summary>Adds row <paramref name="r"/> of <paramref name="batch"/> to <paramref name="stats"/> as source <paramref name="sourceId"/>.</summary>
    // resid (2B,T,D) resid_post at the SAE's layer from a forward over batch.Inputs
    public void FoldRow(FeatureStatistics stats, ReadOnlySpan<float> resid, PreferenceBatch batch, int r, long sourceId)
    {
        int R = batch.Rows, T = batch.T, D = _sae.Config.InputSize, F = _sae.Config.Latents;
        if (resid.Length != R * T * D)
            throw new ArgumentException($"resid_post has {resid.Length} values, the batch and SAE need {R}*{T}*{D}", nameof(resid));
        var N = batch.ResponseLengths[r];
        if (_x.Length < N * D) (_x, _xin) = (new float[N * D], new float[N * D]);
        if (_pre.Length < N * F) _pre = new float[N * F];
        var tokens = new int[N];
        var n = 0;
        for (var t = 0; t < T; t++)
        {
            if (batch.Targets[r * T + t] < 0) continue;
            tokens[n] = batch.Inputs[r * T + t];
            resid.Slice((r * T + t) * D, D).CopyTo(_x.AsSpan(n * D, D));
            n++;
        }
        SaeEncoder.Forward(_pre, _xin, _x.AsSpan(0, N * D), _sae.EncoderWeight, _sae.EncoderBias, _sae.DecoderBias, _sae.Config.ApplyDecoderBiasToInput, N, D, F);
        SaeActivation.Forward(_codes, _pre, _sae.Threshold, _sae.Config, training: false, N);
        var count = _codes.RowStart[N];
        // The statistics take activations in [0, 1e6]; a TopK SAE can select a negative pre-activation, which counts as inactive.
        var values = _codes.Value.AsSpan(0, count).ToArray();
        for (var i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i], 0f, FeatureStatistics.MaxActivation);
        stats.AddSequence(sourceId, tokens, _codes.RowStart.AsSpan(0, N + 1), _codes.Latent.AsSpan(0, count), values);
    }
}
