namespace Fpo.Alignment.Preferences;

/// <summary>Top-k over a pooled activation vector, the selection FPO's I_k is built from.</summary>
public static class LatentRanking
{
    /// <summary>
    /// The latents of the up to <paramref name="k"/> largest strictly positive entries, largest first, ties to the lower
    /// latent. Zero entries are never selected: with fewer than k active latents the set is smaller instead of holding
    /// arbitrary zeros (a latent zero in both policy and reference adds nothing to D_fpo but would change |I_k|).
    /// </summary>
    public static int[] TopPositive(ReadOnlySpan<float> values, int k)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "top-k needs k >= 0");
        var candidates = new List<int>();
        for (var i = 0; i < values.Length; i++)
            if (values[i] > 0) candidates.Add(i);
        var v = values.ToArray();
        candidates.Sort((a, b) => v[a] != v[b] ? v[b].CompareTo(v[a]) : a.CompareTo(b));
        return candidates.Count <= k ? [.. candidates] : [.. candidates.GetRange(0, k)];
    }
}
