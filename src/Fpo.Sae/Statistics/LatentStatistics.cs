namespace Fpo.Sae.Statistics;

/// <summary>
/// What one latent did over the tokens seen: how often it was active (activation &gt; 0), the sum and sum of squares of
/// its activations, its maximum, a histogram (<see cref="ActivationHistogram"/>) and its top-N contexts. Sums are kept
/// in 128-bit fixed point (2^-32 resolution) so that merging is exactly associative and commutative, which float sums are not.
/// </summary>
public sealed class LatentStatistics
{
    internal const double FixedScale = 4294967296.0; // 2^32

    internal LatentStatistics(int topN) => Top = new List<ActivatingContext>(Math.Min(topN, 16));

    public long Count { get; internal set; }

    internal Int128 SumFixed { get; set; }

    internal Int128 SumOfSquaresFixed { get; set; }

    public float Max { get; internal set; }

    internal long[] Bins { get; } = new long[ActivationHistogram.Bins];

    internal List<ActivatingContext> Top { get; }

    public double Sum => (double)SumFixed / FixedScale;

    public double SumOfSquares => (double)SumOfSquaresFixed / FixedScale;

    /// <summary>Mean over the tokens where the latent was active.</summary>
    public double MeanWhenActive => Count == 0 ? 0 : Sum / Count;

    public ReadOnlySpan<long> Histogram => Bins;

    /// <summary>Best first, in <see cref="ActivatingContext.Rank"/> order.</summary>
    public IReadOnlyList<ActivatingContext> TopContexts => Top;

    internal static Int128 ToFixed(double value) => (Int128)Math.Round(value * FixedScale);

    internal void Add(float activation)
    {
        Count++;
        SumFixed += ToFixed(activation);
        SumOfSquaresFixed += ToFixed((double)activation * activation);
        Max = Math.Max(Max, activation);
        Bins[ActivationHistogram.BinOf(activation)]++;
    }

    /// <summary>Whether a context with this activation could enter a full top-N list (ties decided later by <see cref="Offer"/>).</summary>
    internal bool MayEnter(float activation, int topN) => Top.Count < topN || activation >= Top[^1].Activation;

    internal void Offer(ActivatingContext context, int topN)
    {
        var at = Top.BinarySearch(context, ActivatingContext.Rank);
        if (at < 0) at = ~at;
        if (at >= topN) return;
        Top.Insert(at, context);
        if (Top.Count > topN) Top.RemoveAt(Top.Count - 1);
    }

    internal void MergeFrom(LatentStatistics other, int topN)
    {
        Count += other.Count;
        SumFixed += other.SumFixed;
        SumOfSquaresFixed += other.SumOfSquaresFixed;
        Max = Math.Max(Max, other.Max);
        for (var b = 0; b < Bins.Length; b++) Bins[b] += other.Bins[b];
        foreach (var c in other.Top) Offer(c, topN);
    }
}
