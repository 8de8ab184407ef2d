using Fpo.Alignment.Preferences;
using Fpo.Sae;

namespace Fpo.Alignment.Losses;

/// <summary>
/// FPO's feature constraint per row: D_fpo = (1/|I_k|) Σ_{i∈I_k} (c̄_θ,i − c̄_ref,i)² with I_k = topk(c̄_θ) ∪ topk(c̄_ref)
/// (or topk(c̄_θ) alone), top-k over the positive entries (<see cref="LatentRanking.TopPositive"/>); an empty I_k gives 0.
/// Its backward touches only the latents of I_k and reaches resid_post[l] through <see cref="FeaturePooling"/>.
/// </summary>
public sealed class FeatureDivergence
{
    private readonly FeaturePooling _pooling;
    private readonly int _topK;
    private readonly bool _policyOnly;
    private float[] _cbar = [];   // (R,F) c̄_θ
    private float[] _cref = [];   // (R,F) c̄_ref, dense
    private float[] _dcbar = [];  // (R,F)
    private int[][] _sets = [];   // (R) I_k of each row, ascending

    public FeatureDivergence(SaeWeights sae, int topK, bool policyOnly)
    {
        if (topK <= 0) throw new ArgumentOutOfRangeException(nameof(topK), topK, "FPO's top-k must be positive");
        _pooling = new FeaturePooling(sae);
        _topK = topK;
        _policyOnly = policyOnly;
    }

    /// <summary>(R,F) the policy's pooled activations of the last forward.</summary>
    public ReadOnlySpan<float> Pooled => _cbar;

    /// <summary>I_k of row r in the last forward.</summary>
    public IReadOnlyList<int> Latents(int r) => _sets[r];

    // d (R), resid (R,T,D), reference (R), targets (R,T), responseLengths (R)
    public void Forward(Span<float> d, ReadOnlySpan<float> resid, IReadOnlyList<SparseFeatures> reference,
        ReadOnlySpan<int> targets, ReadOnlySpan<int> responseLengths, int R, int T)
    {
        var F = _pooling.Config.Latents;
        if (_cbar.Length != R * F) (_cbar, _cref, _dcbar) = (new float[R * F], new float[R * F], new float[R * F]);
        if (_sets.Length != R) _sets = new int[R][];
        _pooling.Forward(_cbar, resid, targets, responseLengths, R, T);
        for (var r = 0; r < R; r++)
        {
            var cbar = _cbar.AsSpan(r * F, F);
            var cref = _cref.AsSpan(r * F, F);
            reference[r].ToDense(cref);
            var set = LatentRanking.TopPositive(cbar, _topK);
            if (!_policyOnly) set = [.. set.Union(LatentRanking.TopPositive(cref, _topK))];
            Array.Sort(set);
            _sets[r] = set;
            double sum = 0;
            foreach (var i in set) sum += (double)(cbar[i] - cref[i]) * (cbar[i] - cref[i]);
            d[r] = set.Length == 0 ? 0f : (float)(sum / set.Length);
        }
    }

    /// <summary>dc̄_θ,i = dd·2(c̄_θ,i − c̄_ref,i)/|I_k| on I_k (I_k itself is piecewise constant), then into dresid (set).</summary>
    // dresid (R,T,D), dd (R), responseLengths (R)
    public void Backward(Span<float> dresid, ReadOnlySpan<float> dd, ReadOnlySpan<int> responseLengths, int R)
    {
        var F = _pooling.Config.Latents;
        Array.Clear(_dcbar);
        for (var r = 0; r < R; r++)
        {
            if (dd[r] == 0 || _sets[r].Length == 0) continue;
            var scale = 2f * dd[r] / _sets[r].Length;
            foreach (var i in _sets[r]) _dcbar[r * F + i] = scale * (_cbar[r * F + i] - _cref[r * F + i]);
        }
        _pooling.Backward(dresid, _dcbar, responseLengths);
    }
}
