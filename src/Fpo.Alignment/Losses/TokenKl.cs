using System.Numerics.Tensors;

namespace Fpo.Alignment.Losses;

/// <summary>
/// TDPO's sequence KL: per row D_seq = Σ over response positions of KL(p_ref ‖ p_θ) over the whole vocabulary. With
/// lse the log-sum-exp of a position's logits, KL = Σ_v p_ref,v (z_ref,v − z_θ,v) + lse_θ − lse_ref, and its gradient
/// with respect to z_θ is p_θ − p_ref. Both softmaxes and −log p(target) come from each model's
/// <see cref="SequenceLogProbs"/> forward, so nothing vocabulary-sized is computed or held twice.
/// </summary>
public sealed class TokenKl
{
    private float[] _diff = [];  // (V) z_ref − z_θ of one position

    // kl (R), logits (R,T,V) policy, nll (R,T) −log p_θ(target), refLogits (R,T,V), refNll (R,T), refProbs (R,T,V), targets (R,T)
    public void Forward(Span<float> kl, ReadOnlySpan<float> logits, ReadOnlySpan<float> nll, ReadOnlySpan<float> refLogits,
        ReadOnlySpan<float> refNll, ReadOnlySpan<float> refProbs, ReadOnlySpan<int> targets, int R, int T, int V)
    {
        if (_diff.Length != V) _diff = new float[V];
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
                double lse = nll[n] + z[target], lseRef = refNll[n] + zr[target];
                sum += TensorPrimitives.Dot(refProbs.Slice(n * V, V), _diff) + (lse - lseRef);
            }
            kl[r] = (float)sum;
        }
    }

    /// <summary>dlogits += dkl·(p_θ − p_ref) at response positions.</summary>
    // dlogits (R,T,V) +=, dkl (R), probs (R,T,V) policy softmax, refProbs (R,T,V), targets (R,T)
    public static void Backward(Span<float> dlogits, ReadOnlySpan<float> dkl, ReadOnlySpan<float> probs, ReadOnlySpan<float> refProbs,
        ReadOnlySpan<int> targets, int R, int T, int V)
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
                TensorPrimitives.MultiplyAdd(refProbs.Slice(n * V, V), -dkl[r], d, d);
            }
        }
    }
}
