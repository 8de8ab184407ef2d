using Fpo.Tensors;

namespace Fpo.Alignment.Losses;

/// <summary>
/// Per row the sum and the mean over its response tokens of log softmax(logits)[target]: logp(y) and avg(y) of the losses.
/// The softmax goes into the caller's (R,T,V) buffer — the model's own <c>Probs</c>, so a step holds no second copy of
/// the vocabulary-sized activations — where Backward and TDPO's KL read it again.
/// </summary>
public sealed class SequenceLogProbs
{
    private float[] _nll = [];   // (R,T) −log p of each target (0 where ignored)
    private float[] _dnll = [];  // (R,T)

    /// <summary>(R,T) −log p(target) of the last forward, 0 where the target is −1.</summary>
    public ReadOnlySpan<float> TokenNll => _nll;

    // sum (R), mean (R), probs (R,T,V) softmax out, logits (R,T,V), targets (R,T) −1 = not a response token, lengths (R) response tokens per row
    public void Forward(Span<float> sum, Span<float> mean, Span<float> probs, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets,
        ReadOnlySpan<int> lengths, int R, int T, int V)
    {
        int N = R * T;
        if (_nll.Length != N) (_nll, _dnll) = (new float[N], new float[N]);
        CrossEntropy.Forward(_nll, probs[..(N * V)], logits, targets, N, V);
        for (var r = 0; r < R; r++)
        {
            double s = 0;
            var count = 0;
            for (var t = 0; t < T; t++)
            {
                if (targets[r * T + t] < 0) continue;
                s -= _nll[r * T + t];
                count++;
            }
            if (count != lengths[r] || count == 0)
                throw new ArgumentException($"row {r} has {count} response targets but its response length is {lengths[r]}", nameof(lengths));
            sum[r] = (float)s;
            mean[r] = (float)(s / count);
        }
    }

    /// <summary>dlogits = (onehot(target) − p)·(dsum + dmean/|y|) at response positions, 0 elsewhere (overwrites).</summary>
    // dlogits (R,T,V), dsum (R), dmean (R), probs (R,T,V) of the forward, targets (R,T), lengths (R)
    public void Backward(Span<float> dlogits, ReadOnlySpan<float> dsum, ReadOnlySpan<float> dmean, ReadOnlySpan<float> probs,
        ReadOnlySpan<int> targets, ReadOnlySpan<int> lengths, int R, int T, int V)
    {
        int N = R * T;
        for (var r = 0; r < R; r++)
        {
            var dlogp = dsum[r] + dmean[r] / lengths[r];
            for (var t = 0; t < T; t++) _dnll[r * T + t] = targets[r * T + t] < 0 ? 0f : -dlogp;
        }
        CrossEntropy.Backward(dlogits, _dnll, probs[..(N * V)], targets, N, V);
    }
}
