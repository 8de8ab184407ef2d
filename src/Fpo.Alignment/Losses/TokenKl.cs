using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Alignment.Losses;

/// <summary>
/// TDPO's sequence KL: per row D_seq = Σ over response positions of KL(p_ref ‖ p_θ) over the whole vocabulary. With
/// lse the log-sum-exp of a position's logits, KL = Σ_v p_ref,v (z_ref,v − z_θ,v) + lse_θ − lse_ref, and its gradient
/// with respect to z_θ is p_θ − p_ref.
/// </summary>
public sealed class TokenKl
{
    private float[] _refNll = [];    // (R,T)
    private float[] _refProbs = [];  // (R,T,V)
    private float[] _diff = [];      // (V) z_ref − z_θ of one position

    // kl (R), logits (R,T,V) policy, policyNll (R,T) −log p_θ(target), refLogits (R,T,V), targets (R,T)
    public void Forward(Span<float> kl, ReadOnlySpan<float> logits, ReadOnlySpan<float> policyNll, ReadOnlySpan<float> refLogits,
        ReadOnlySpan<int> targets, int R, int T, int V)
    {
        int N = R * T;
        if (_refNll.Length != N) _refNll = new float[N];
        if (_refProbs.Length != (long)N * V) _refProbs = new float[(long)N * V];
        if (_diff.Length != V) _diff = new float[V];
        CrossEntropy.Forward(_refNll, _refProbs, refLogits, targets, N, V);
        for (var r = 0; r < R; r++)
        {
            double sum = 0;
            for (var t = 0; t < T; t++)
            {
                var n = r * T + t;
                var target = targets[n];
                if (target < 0) continue;
                var z = logits.Slice(n * V, V);
                var zr = refLogits.Slice(n * V, V);
                TensorPrimitives.Subtract(zr, z, _diff);
                // lse = −log p(target) + z[target] recovers each log-sum-exp from the cross-entropy
                double lse = policyNll[n] + z[target], lseRef = _refNll[n] + zr[target];
                sum += TensorPrimitives.Dot(_refProbs.AsSpan(n * V, V), _diff) + (lse - lseRef);
            }
            kl[r] = (float)sum;
        }
    }

    /// <summary>dlogits += dkl·(p_θ − p_ref) at response positions.</summary>
    // dlogits (R,T,V) +=, dkl (R), probs (R,T,V) policy softmax, targets (R,T)
    public void Backward(Span<float> dlogits, ReadOnlySpan<float> dkl, ReadOnlySpan<float> probs, ReadOnlySpan<int> targets, int R, int T, int V)
    {
        for (var r = 0; r < R; r++)
        {
            if (dkl[r] == 0) continue;
            for (var t = 0; t < T; t++)
            {
                var n = r * T + t;
                if (targets[n] < 0) continue;
                var d = dlogits.Slice(n * V, V);
                TensorPrimitives.MultiplyAdd(probs.Slice(n * V, V), dkl[r], d, d);
                TensorPrimitives.MultiplyAdd(_refProbs.AsSpan(n * V, V), -dkl[r], d, d);
            }
        }
    }
}
