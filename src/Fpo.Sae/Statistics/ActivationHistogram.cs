namespace Fpo.Sae.Statistics;

/// <summary>
/// Fixed log-spaced bins for positive activations, the same for every latent and every process so histograms add:
/// bin 0 holds (0, 1e-4), bins 1..32 split [1e-4, 1e4) into quarter decades ([1e-4·10^((b−1)/4), 1e-4·10^(b/4))),
/// bin 33 holds [1e4, ∞). Typical SAE activations (0.01..100) land in the middle. The edges are the fp32 values
/// nearest those powers of ten, so an activation equal to an edge always starts its bin.
/// </summary>
public static class ActivationHistogram
{
    public const int Bins = 34;
    private const int BinsPerDecade = 4;

    // Edges[b] is the lower edge of bin b + 1; bin 33's lower edge is Edges[32] = 1e4.
    private static readonly float[] Edges = [.. Enumerable.Range(0, Bins - 1).Select(i => (float)(1e-4 * Math.Pow(10, i / (double)BinsPerDecade)))];

    public static int BinOf(float activation)
    {
        var at = Array.BinarySearch(Edges, activation);
        return at >= 0 ? at + 1 : ~at;
    }

    /// <summary>The smallest activation of bin <paramref name="bin"/> (0 for the first).</summary>
    public static float LowerEdge(int bin) => bin <= 0 ? 0 : Edges[Math.Min(bin, Bins - 1) - 1];
}
