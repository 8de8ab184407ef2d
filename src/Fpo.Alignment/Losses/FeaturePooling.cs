using System.Numerics.Tensors;
using Fpo.Sae;

namespace Fpo.Alignment.Losses;

/// <summary>
/// c̄(y) = mean over the response tokens of the frozen SAE's codes of resid_post[l] at the positions that predict them
/// (targets ≥ 0: P−1 .. P+R−2), divided by the response length |y|, never by the padded length (the official FPO code
/// divides by the padded length; a bug: the pooled codes then depend on how much padding the batch has). These are the positions whose logits score the response, the
/// ones the paper's KL bound is about, and the ones the official code pools. Only these positions are encoded.
/// </summary>
public sealed class FeaturePooling
{
    private readonly SaeWeights _sae;
    private float[] _x = [];         // (N,D) resid_post of the N response tokens of the batch
    private float[] _xin = [];       // (N,D) encoder input x − b_dec
    private float[] _pre = [];       // (N,F)
    private int[] _row = [];         // (N) batch row of each response token
    private int[] _position = [];    // (N) index r*T + t of each pooled position
    private readonly SparseCodes _codes = new();

    public FeaturePooling(SaeWeights sae) => _sae = sae;

    public SaeConfig Config => _sae.Config;

    /// <summary>Codes the activation let through in the last forward (over all pooled positions and latents).</summary>
    public int ActiveCodes => _codes.Count;

    // cbar (R,F) set, resid (R,T,D), targets (R,T) −1 where not pooled, responseLengths (R) = pooled positions per row
    public void Forward(Span<float> cbar, ReadOnlySpan<float> resid, ReadOnlySpan<int> targets, ReadOnlySpan<int> responseLengths, int R, int T)
    {
        int D = Config.InputSize, F = Config.Latents;
        if (resid.Length != R * T * D)
            throw new ArgumentException($"resid_post has {resid.Length} values, the SAE expects R*T*d_in = {R}*{T}*{D}: does the SAE match the model's width?", nameof(resid));
        var N = 0;
        for (var i = 0; i < R * T; i++) if (targets[i] >= 0) N++;
        Ensure(N, D, F);
        var n = 0;
        for (var r = 0; r < R; r++)
        {
            var start = n;
            for (var t = 0; t < T; t++)
            {
                if (targets[r * T + t] < 0) continue;
                _row[n] = r;
                _position[n] = r * T + t;
                resid.Slice((r * T + t) * D, D).CopyTo(_x.AsSpan(n * D, D));
                n++;
            }
            if (n - start != responseLengths[r])
                throw new ArgumentException($"row {r} has {n - start} response targets but its response length is {responseLengths[r]}", nameof(responseLengths));
        }
        SaeEncoder.Forward(_pre, _xin, _x, _sae.EncoderWeight, _sae.EncoderBias, _sae.DecoderBias, Config.ApplyDecoderBiasToInput, N, D, F);
        SaeActivation.Forward(_codes, _pre, _sae.Threshold, Config, training: false, N);
        cbar[..(R * F)].Clear();
        for (n = 0; n < N; n++)
        {
            var r = _row[n];
            var scale = 1f / responseLengths[r];
            for (var e = _codes.RowStart[n]; e < _codes.RowStart[n + 1]; e++) cbar[r * F + _codes.Latent[e]] += _codes.Value[e] * scale;
        }
    }

    /// <summary>
    /// dresid = Σ over each response token's listed latents of (dc̄_j / |y|)·W_enc[j]. At inference every listed code is
    /// active (ReLU: pre &gt; 0, JumpReLU: pre &gt; θ, TopK: selected), so the activation passes the gradient unchanged;
    /// x − b_dec has Jacobian 1 in x. The SAE's own gradients are not formed: it is frozen.
    /// </summary>
    // dresid (R,T,D) set, dcbar (R,F), responseLengths (R)
    public void Backward(Span<float> dresid, ReadOnlySpan<float> dcbar, ReadOnlySpan<int> responseLengths)
    {
        int D = Config.InputSize, F = Config.Latents;
        dresid.Clear();
        var W = _sae.EncoderWeight;
        for (var n = 0; n < _codes.Rows; n++)
        {
            var r = _row[n];
            var scale = 1f / responseLengths[r];
            var d = dresid.Slice(_position[n] * D, D);
            for (var e = _codes.RowStart[n]; e < _codes.RowStart[n + 1]; e++)
            {
                var g = dcbar[r * F + _codes.Latent[e]] * scale;
                if (g != 0) TensorPrimitives.MultiplyAdd(W.AsSpan(_codes.Latent[e] * D, D), g, d, d);
            }
        }
    }

    private void Ensure(int N, int D, int F)
    {
        if (_row.Length != N) (_row, _position) = (new int[N], new int[N]);
        if (_x.Length != N * D) (_x, _xin) = (new float[N * D], new float[N * D]);
        if (_pre.Length != (long)N * F) _pre = new float[(long)N * F];
    }
}
