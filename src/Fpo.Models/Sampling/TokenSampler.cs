using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Fpo.Models.Sampling;

/// <summary>
/// Draws the next token of one sequence from its logits. Owns scratch buffers of size V, so keep one per thread.
/// Every call takes exactly one number from the sequence's random stream (greedy picks too), so streams stay aligned
/// whatever the parameters.
/// <para>The logits x (V) go through, in this order:</para>
/// <list type="number">
/// <item>logit bias: x[id] += LogitBias[id];</item>
/// <item>repetition penalty θ, for every distinct id in the prompt or the generated text: x = x/θ if x &gt; 0 else x·θ;</item>
/// <item>presence and frequency penalties, over the generated tokens only (OpenAI, vLLM):
///   x[id] -= presence·[count &gt; 0] + frequency·count;</item>
/// <item>greedy (Temperature 0 or TopK 1): the argmax of x, lowest id on ties, SamplingLogProb 0; otherwise</item>
/// <item>temperature T: x / T;</item>
/// <item>top-k: keep every token whose logit is &gt;= the k-th largest (ties at the boundary all kept); TopK 0 or
///   TopK &gt;= V keeps all;</item>
/// <item>top-p: p = softmax of what is left; sorted descending, keep the shortest prefix whose sum is &gt;= TopP plus
///   every token tied with its last one (TopP 1 keeps all);</item>
/// <item>min-p: keep tokens with p &gt;= MinP · max p (p after temperature and the masks above);</item>
/// <item>renormalise and draw by inverse CDF over the kept tokens in ascending id order with one uniform u.</item>
/// </list>
/// <para>Masked (-inf) logits stay masked through every step and are never drawn. ModelLogProb is
/// log_softmax(raw logits)[token]; SamplingLogProb is the log of the token's probability in the final distribution.
/// Top-k and top-p order tokens by x - max x before temperature, which T &gt; 0 does not change, and never sort V:
/// top-k keeps a heap of k values, top-p selects its cut by mass (<see cref="TopKThreshold"/>,
/// <see cref="NucleusThreshold"/>).</para>
/// </summary>
public sealed class TokenSampler
{
    private const int Block = 64;

    private readonly float[] _logits;     // (V) logits after bias and penalties
    private readonly float[] _weights;    // (V) unnormalised probability of each candidate; 0 = masked
    private readonly int[] _ids;          // (V) token id of each candidate after top-k, ascending
    private readonly int[] _identity;     // (V) 0..V-1: the candidates when top-k keeps every token
    private readonly float[] _select;     // (V) scratch of the top-k heap and the top-p selection
    private readonly double[] _blockSums; // (ceil(V/64)) weight of each block of 64 candidates, for the draw
    private readonly double[] _histogram; // (NucleusThreshold.Buckets) mass per bucket of weights, for top-p

    public TokenSampler(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        _logits = new float[vocabSize];
        _weights = new float[vocabSize];
        _ids = new int[vocabSize];
        _identity = new int[vocabSize];
        for (var i = 0; i < vocabSize; i++) _identity[i] = i;
        _select = new float[vocabSize];
        _blockSums = new double[(vocabSize + Block - 1) / Block];
        _histogram = new double[NucleusThreshold.Buckets];
    }

    public int VocabSize => _logits.Length;

    /// <summary>
    /// logits (V) raw next-token logits (not modified). Throws ArgumentException naming the first NaN token, or when
    /// every token is masked (-inf).
    /// </summary>
    public SampledToken Sample(ReadOnlySpan<float> logits, SamplingParams parameters, TokenHistory history, SequenceRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = random.NextDouble();
        var logSumExp = Prepare(logits, parameters, history, out var argmax, out var count, out var compacted, out var total);
        if (count < 0) return new SampledToken(argmax, ModelLogProb(logits, argmax, logSumExp), 0f);
        var j = Draw(_weights.AsSpan(0, count), total, u);
        var token = compacted ? _ids[j] : j;
        var samplingLogProb = (float)Math.Min(0, Math.Log(_weights[j]) - Math.Log(total));
        return new SampledToken(token, ModelLogProb(logits, token, logSumExp), samplingLogProb);
    }

    /// <summary>
    /// probabilities (V) receives the distribution <see cref="Sample"/> draws from for these logits (one-hot for a
    /// greedy pick): the transforms without the draw, for tests and for scoring tokens drawn elsewhere.
    /// </summary>
    public void Distribution(Span<float> probabilities, ReadOnlySpan<float> logits, SamplingParams parameters, TokenHistory history)
    {
        if (probabilities.Length != VocabSize)
            throw new ArgumentException($"probabilities has {probabilities.Length} entries, the sampler's vocabulary is {VocabSize}", nameof(probabilities));
        Prepare(logits, parameters, history, out var argmax, out var count, out var compacted, out var total);
        probabilities.Clear();
        if (count < 0)
        {
            probabilities[argmax] = 1f;
            return;
        }
        for (var j = 0; j < count; j++) probabilities[compacted ? _ids[j] : j] = (float)(_weights[j] / total);
    }

    // log_softmax of the raw logits at token; rounding in the sum must not make it positive
    private static float ModelLogProb(ReadOnlySpan<float> logits, int token, double logSumExp) =>
        (float)Math.Min(0, logits[token] - logSumExp);

    // Runs every transform. Greedy: count = -1 and argmax is the pick. Otherwise _weights[..count] holds the kept
    // weights (0 = masked) of the tokens _ids[..count] (compacted) or 0..count-1, and total their sum.
    // Returns the log-sum-exp of the raw logits.
    private double Prepare(ReadOnlySpan<float> logits, SamplingParams p, TokenHistory history,
        out int argmax, out int count, out bool compacted, out double total)
    {
        ArgumentNullException.ThrowIfNull(history);
        SamplingValidation.Check(p, VocabSize);
        if (logits.Length != VocabSize)
            throw new ArgumentException($"logits has {logits.Length} entries, the sampler's vocabulary is {VocabSize}", nameof(logits));
        if (history.MaxId >= VocabSize)
            throw new ArgumentException($"the token history holds id {history.MaxId}, outside the vocabulary [0, {VocabSize})", nameof(history));
        // leaves exp(logits - max) in _weights: the weights themselves when nothing changes the logits and T = 1
        var logSumExp = RawLogSumExp(logits, out var max);
        var unchanged = (p.LogitBias is null || p.LogitBias.Count == 0) && p.RepetitionPenalty == 1f &&
            p.PresencePenalty == 0f && p.FrequencyPenalty == 0f;
        var x = logits;
        if (!unchanged)
        {
            logits.CopyTo(_logits);
            BiasAndPenalties(_logits, p, history);
            x = _logits;
            max = TensorPrimitives.Max(x);
            if (float.IsNegativeInfinity(max))
                throw new ArgumentException($"every token is masked: all {VocabSize} logits are -inf after the logit bias and penalties", nameof(logits));
            if (float.IsPositiveInfinity(max))
                throw new ArgumentException($"the logit of token id {x.IndexOf(max)} overflowed to +inf in the logit bias or penalties", nameof(p));
        }
        compacted = false;
        total = 0;
        if (p.IsGreedy)
        {
            argmax = FirstIndexOf(x, max);
            count = -1;
            return logSumExp;
        }
        argmax = -1;

        var w = _weights.AsSpan(0, VocabSize);
        if (p.TopK > 0 && p.TopK < VocabSize)
        {
            w = w[..KeepTopK(x, p.TopK)];
            compacted = true;
        }
        if (compacted || !unchanged || p.Temperature != 1f)
        {
            if (!compacted) x.CopyTo(w);
            // exp((x - max) / T): differences first, so a tiny T sends them to -inf instead of overflowing x / T
            TensorPrimitives.Subtract(w, max, w);
            if (p.Temperature != 1f) TensorPrimitives.Divide(w, p.Temperature, w);
            TensorPrimitives.Exp(w, w);
        }
        count = w.Length;
        if (p.TopP < 1f)
        {
            var mass = BlockSums(w);
            MaskBelow(w, NucleusThreshold.Find(w, p.TopP * mass, _select, _histogram));
        }
        if (p.MinP > 0f) MaskBelow(w, p.MinP * TensorPrimitives.Max(w));
        total = BlockSums(w);
        return logSumExp;
    }

    // Compacts the ids and logits of the tokens whose logit is >= the k-th largest (and not -inf) into _ids and
    // _weights, in ascending id order; returns how many. Chunks of 16 below the threshold are skipped whole.
    private int KeepTopK(ReadOnlySpan<float> x, int k)
    {
        var threshold = TopKThreshold.Find(x, k, _select);
        var n = 0;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (var t = Vector512.Create(threshold); i + 16 <= x.Length; i += 16)
                if (Vector512.GreaterThanOrEqualAny(Vector512.Create(x.Slice(i, 16)), t))
                    n = Keep(x, i, i + 16, threshold, n);
        return Keep(x, i, x.Length, threshold, n);
    }

    private int Keep(ReadOnlySpan<float> x, int from, int to, float threshold, int n)
    {
        for (var i = from; i < to; i++)
            if (x[i] >= threshold && !float.IsNegativeInfinity(x[i]))
            {
                _ids[n] = i;
                _weights[n++] = x[i];
            }
        return n;
    }

    // Rejects NaN and +inf and an all -inf row; returns log(sum exp(logits)) in double and the largest logit, and
    // leaves exp(logits - max) in _weights.
    private double RawLogSumExp(ReadOnlySpan<float> logits, out float max)
    {
        max = TensorPrimitives.Max(logits);
        if (float.IsNaN(max))
        {
            var i = 0;
            while (!float.IsNaN(logits[i])) i++;
            throw new ArgumentException($"logits contain NaN at token id {i}", nameof(logits));
        }
        if (float.IsPositiveInfinity(max))
            throw new ArgumentException($"logits contain +inf at token id {logits.IndexOf(max)}: a logit must be finite or -inf (masked)", nameof(logits));
        if (float.IsNegativeInfinity(max))
            throw new ArgumentException($"every token is masked: all {VocabSize} logits are -inf", nameof(logits));
        var e = _weights.AsSpan(0, VocabSize);
        TensorPrimitives.Subtract(logits, max, e);
        TensorPrimitives.Exp(e, e);
        return max + Math.Log(TensorPrimitives.Sum(e));
    }

    private static void BiasAndPenalties(Span<float> x, SamplingParams p, TokenHistory history)
    {
        if (p.LogitBias is Dictionary<int, float> bias)
            foreach (var (id, value) in bias) x[id] += value;
        else if (p.LogitBias is not null)
            foreach (var (id, value) in p.LogitBias) x[id] += value;
        if (p.RepetitionPenalty != 1f)
        {
            var theta = p.RepetitionPenalty;
            foreach (var id in history.SeenIds) x[id] = x[id] > 0 ? x[id] / theta : x[id] * theta;
        }
        if (p.PresencePenalty != 0f || p.FrequencyPenalty != 0f)
        {
            var ids = history.GeneratedIds;
            var counts = history.GeneratedCounts;
            for (var i = 0; i < ids.Length; i++) x[ids[i]] -= p.PresencePenalty + p.FrequencyPenalty * counts[i];
        }
    }

    // The first index holding max (0 and -0 compare equal), so ties go to the lowest id.
    private static int FirstIndexOf(ReadOnlySpan<float> x, float max)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(max);
            for (; i + 16 <= x.Length; i += 16)
            {
                var hits = Vector512.Equals(Vector512.Create(x.Slice(i, 16)), m).ExtractMostSignificantBits();
                if (hits != 0) return i + System.Numerics.BitOperations.TrailingZeroCount(hits);
            }
        }
        for (; i < x.Length; i++)
            if (x[i] == max) return i;
        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the maximum {max} is not in the vector"));
    }

    // w[j] = w[j] >= threshold ? w[j] : 0
    private static void MaskBelow(Span<float> w, float threshold)
    {
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var t = Vector512.Create(threshold);
            for (; j + 16 <= w.Length; j += 16)
            {
                var v = Vector512.Create(w.Slice(j, 16));
                Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, t), v, Vector512<float>.Zero).CopyTo(w.Slice(j, 16));
            }
        }
        for (; j < w.Length; j++)
            if (w[j] < threshold) w[j] = 0f;
    }

    // Fills _blockSums with the sum of each block of 64 weights; returns their total.
    private double BlockSums(ReadOnlySpan<float> w)
    {
        double total = 0;
        for (var b = 0; b * Block < w.Length; b++)
        {
            var s = TensorPrimitives.Sum(w.Slice(b * Block, Math.Min(Block, w.Length - b * Block)));
            _blockSums[b] = s;
            total += s;
        }
        return total;
    }

    // Inverse CDF in index order: the first positive weight where the running sum passes u·total. Blocks whose sum
    // stays below the target are skipped whole. Rounding can leave the running sum short at the very end; then the
    // last positive weight is taken, so a masked (0) weight is never returned.
    private int Draw(ReadOnlySpan<float> w, double total, double u)
    {
        var target = u * total;
        double acc = 0;
        for (var b = 0; b * Block < w.Length; b++)
        {
            if (acc + _blockSums[b] <= target)
            {
                acc += _blockSums[b];
                continue;
            }
            for (int j = b * Block, end = Math.Min(j + Block, w.Length); j < end; j++)
            {
                acc += w[j];
                if (w[j] > 0 && acc > target) return j;
            }
        }
        var last = w.Length - 1;
        while (w[last] <= 0) last--;
        return last;
    }
}
