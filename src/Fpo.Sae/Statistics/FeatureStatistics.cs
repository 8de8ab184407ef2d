namespace Fpo.Sae.Statistics;

/// <summary>
/// Per-latent statistics of an SAE's activations over a token stream (<see cref="LatentStatistics"/>), plus the total
/// number of tokens seen. Only latents that were ever active take memory. <see cref="Merge"/> is exactly associative
/// and commutative with <see cref="Empty"/> statistics as identity, so processes can fold their own streams and merge
/// the results in any order and grouping; <see cref="FeatureStatisticsFormat"/> serialises them.
/// </summary>
public sealed class FeatureStatistics
{
    public const int MaxTopN = 1024;
    public const int MaxContextRadius = 1024;

    /// <summary>Largest activation accepted; keeps the fixed-point sums of squares far from overflow (see LatentStatistics).</summary>
    public const float MaxActivation = 1e6f;

    private readonly Dictionary<int, LatentStatistics> _latents = [];

    /// <param name="latents">d_sae.</param>
    /// <param name="topN">Contexts kept per latent.</param>
    /// <param name="contextRadius">Tokens kept on each side of a top activation.</param>
    public FeatureStatistics(int latents, int topN, int contextRadius)
    {
        if (latents < 1) throw new ArgumentOutOfRangeException(nameof(latents), latents, "feature statistics need at least one latent");
        if (topN < 0 || topN > MaxTopN) throw new ArgumentOutOfRangeException(nameof(topN), topN, $"top-N must be in [0, {MaxTopN}]");
        if (contextRadius < 0 || contextRadius > MaxContextRadius)
            throw new ArgumentOutOfRangeException(nameof(contextRadius), contextRadius, $"context radius must be in [0, {MaxContextRadius}]");
        Latents = latents;
        TopN = topN;
        ContextRadius = contextRadius;
    }

    public int Latents { get; }

    public int TopN { get; }

    public int ContextRadius { get; }

    public long TotalTokens { get; internal set; }

    /// <summary>Latents that were active at least once, ascending.</summary>
    public IEnumerable<int> ActiveLatents => _latents.Keys.Order();

    public int ActiveLatentCount => _latents.Count;

    /// <summary>Null when the latent was never active.</summary>
    public LatentStatistics? this[int latent] => _latents.GetValueOrDefault(latent);

    /// <summary>Statistics of no tokens with the same shape: the identity of <see cref="Merge"/>.</summary>
    public FeatureStatistics Empty() => new(Latents, TopN, ContextRadius);

    /// <summary>
    /// Folds in one sequence of T tokens from source <paramref name="sourceId"/> with its sparse SAE codes in CSR form:
    /// token t's active latents are latents[rowStart[t]..rowStart[t+1]) with the matching values (one entry per latent
    /// per token; zeros are skipped as inactive). Top contexts are windows of this sequence only, so a stream split at
    /// sequence boundaries gives the same statistics merged as whole.
    /// </summary>
    public void AddSequence(long sourceId, ReadOnlySpan<int> tokens, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> latents, ReadOnlySpan<float> values)
    {
        Validate(tokens, rowStart, latents, values);
        var T = tokens.Length;
        for (var t = 0; t < T; t++)
        {
            for (var i = rowStart[t]; i < rowStart[t + 1]; i++)
            {
                var activation = values[i];
                if (activation == 0) continue;
                var j = latents[i];
                var s = GetOrAdd(j);
                s.Add(activation);
                if (TopN > 0 && s.MayEnter(activation, TopN)) s.Offer(Context(sourceId, t, j, activation, tokens, rowStart, latents, values), TopN);
            }
        }
        TotalTokens += T;
    }

    /// <summary>Adds <paramref name="other"/> into this one.</summary>
    public void MergeFrom(FeatureStatistics other)
    {
        if (other.Latents != Latents || other.TopN != TopN || other.ContextRadius != ContextRadius)
            throw new ArgumentException(
                $"feature statistics of {other.Latents} latents, top {other.TopN}, radius {other.ContextRadius} cannot merge into {Latents} latents, top {TopN}, radius {ContextRadius}",
                nameof(other));
        foreach (var (j, s) in other._latents) GetOrAdd(j).MergeFrom(s, TopN);
        TotalTokens += other.TotalTokens;
    }

    /// <summary>A new value holding a and b together; neither input changes.</summary>
    public static FeatureStatistics Merge(FeatureStatistics a, FeatureStatistics b)
    {
        var result = a.Empty();
        result.MergeFrom(a);
        result.MergeFrom(b);
        return result;
    }

    /// <summary>
    /// A copy holding only latents [<paramref name="from"/>, <paramref name="to"/>) with the same shape and the same
    /// <see cref="TotalTokens"/>, so frequencies and means of those latents come out as in the whole.
    /// </summary>
    public FeatureStatistics Slice(int from, int to)
    {
        if (from < 0 || to < from || to > Latents) throw new ArgumentOutOfRangeException(nameof(to), $"latents [{from}, {to}) are not within [0, {Latents})");
        var slice = Empty();
        foreach (var (j, s) in _latents)
            if (j >= from && j < to) slice.GetOrAdd(j).MergeFrom(s, TopN);
        slice.TotalTokens = TotalTokens;
        return slice;
    }

    internal LatentStatistics GetOrAdd(int latent)
    {
        if (!_latents.TryGetValue(latent, out var s)) _latents[latent] = s = new LatentStatistics(TopN);
        return s;
    }

    private ActivatingContext Context(long sourceId, int t, int j, float activation,
        ReadOnlySpan<int> tokens, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> latents, ReadOnlySpan<float> values)
    {
        int start = Math.Max(0, t - ContextRadius), end = Math.Min(tokens.Length, t + ContextRadius + 1);
        var window = new float[end - start];
        for (var p = start; p < end; p++)
            for (var i = rowStart[p]; i < rowStart[p + 1]; i++)
                if (latents[i] == j) window[p - start] = values[i];
        return new ActivatingContext(activation, sourceId, t, start, tokens[start..end].ToArray(), window);
    }

    private void Validate(ReadOnlySpan<int> tokens, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> latents, ReadOnlySpan<float> values)
    {
        if (rowStart.Length != tokens.Length + 1)
            throw new ArgumentException($"rowStart has {rowStart.Length} entries; {tokens.Length} tokens need {tokens.Length + 1}", nameof(rowStart));
        if (latents.Length != values.Length)
            throw new ArgumentException($"{latents.Length} latent ids but {values.Length} values", nameof(values));
        if (rowStart[0] != 0 || rowStart[^1] != latents.Length)
            throw new ArgumentException($"rowStart runs from {rowStart[0]} to {rowStart[^1]}; it must run from 0 to {latents.Length}", nameof(rowStart));
        for (var t = 0; t < tokens.Length; t++)
            if (rowStart[t + 1] < rowStart[t]) throw new ArgumentException($"rowStart decreases at token {t}", nameof(rowStart));
        for (var i = 0; i < latents.Length; i++)
        {
            if ((uint)latents[i] >= (uint)Latents)
                throw new ArgumentException($"latent id {latents[i]} at entry {i} is outside [0, {Latents})", nameof(latents));
            if (!(values[i] >= 0 && values[i] <= MaxActivation))
                throw new ArgumentException($"activation {values[i]} of latent {latents[i]} at entry {i} is outside [0, {MaxActivation:G}]", nameof(values));
        }
    }
}
