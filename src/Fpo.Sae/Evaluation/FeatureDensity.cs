namespace Fpo.Sae.Evaluation;

/// <summary>Dead, dense and the log10 density histogram from per-latent firing counts over N tokens.</summary>
public static class FeatureDensity
{
    /// <summary>
    /// Bins of <paramref name="binWidth"/> decades covering [floor(log10(1/N) / w)·w, 0]: every latent that fired at least
    /// once has density in [1/N, 1]. Latent j with count c_j &gt; 0 goes to bin floor((log10(c_j/N) − lower) / w), the last
    /// bin closed at 0; dead latents (c_j = 0) are not binned.
    /// </summary>
    public static DensityBin[] Histogram(ReadOnlySpan<long> counts, long N, double binWidth)
    {
        var lower = Math.Floor(Math.Log10(1.0 / N) / binWidth) * binWidth;
        var bins = Math.Max(1, (int)Math.Ceiling(-lower / binWidth));
        var latents = new int[bins];
        foreach (var c in counts)
            if (c > 0) latents[Math.Clamp((int)Math.Floor((Math.Log10((double)c / N) - lower) / binWidth), 0, bins - 1)]++;
        var result = new DensityBin[bins];
        for (var i = 0; i < bins; i++)
            result[i] = new DensityBin(lower + i * binWidth, i == bins - 1 ? 0 : lower + (i + 1) * binWidth, latents[i]);
        return result;
    }

    public static int Dead(ReadOnlySpan<long> counts) => counts.Count(0L);

    /// <summary>Latents that fired on more than <paramref name="threshold"/> of the N tokens.</summary>
    public static int Dense(ReadOnlySpan<long> counts, long N, double threshold)
    {
        var dense = 0;
        foreach (var c in counts)
            if ((double)c / N > threshold) dense++;
        return dense;
    }
}
