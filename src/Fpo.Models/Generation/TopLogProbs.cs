namespace Fpo.Models.Generation;

/// <summary>
/// The N most likely tokens of one position under the raw model, as OpenAI's top_logprobs: log_softmax of the
/// unmodified logits (before penalties, temperature and truncation), most likely first, lower id first on ties.
/// Computed only for requests that ask for it, so plain decoding pays nothing.
/// </summary>
public static class TopLogProbs
{
    /// <summary>logits (V) raw next-token logits; n in [1, V]. Masked (-inf) tokens are never listed.</summary>
    public static TokenLogProb[] Compute(ReadOnlySpan<float> logits, int n)
    {
        if (n < 1 || n > logits.Length)
            throw new ArgumentOutOfRangeException(nameof(n), $"top log-probs count is {n}, must be in [1, {logits.Length}] (the vocabulary)");
        var logSumExp = LogSumExp(logits);
        var top = new List<TokenLogProb>(n + 1);
        for (var id = 0; id < logits.Length; id++)
        {
            var x = logits[id];
            if (float.IsNegativeInfinity(x) || (top.Count == n && x <= top[^1].LogProb)) continue;
            var at = top.Count;
            while (at > 0 && top[at - 1].LogProb < x) at--;
            top.Insert(at, new TokenLogProb(id, x));
            if (top.Count > n) top.RemoveAt(n);
        }
        var result = new TokenLogProb[top.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = new TokenLogProb(top[i].Token, (float)Math.Min(0, top[i].LogProb - logSumExp));
        return result;
    }

    // log(sum exp(logits)) in double, shifted by the maximum so no term overflows.
    private static double LogSumExp(ReadOnlySpan<float> logits)
    {
        var max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        if (!float.IsFinite(max)) return max;
        double sum = 0;
        foreach (var x in logits) sum += Math.Exp(x - (double)max);
        return max + Math.Log(sum);
    }
}
