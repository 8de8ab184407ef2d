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
        if (k == 0) return [];
        // The k best so far with the worst at the root: O(d_sae log k) per call instead of sorting every positive entry
        // (FPO ranks every row's d_sae = 24,576 pooled values twice a step).
        var heap = new PriorityQueue<int, (float Value, int Latent)>(k + 1, WorstFirst);
        for (var i = 0; i < values.Length; i++)
        {
            if (!(values[i] > 0)) continue;
            if (heap.Count < k) heap.Enqueue(i, (values[i], i));
            else heap.EnqueueDequeue(i, (values[i], i));
        }
        var top = new int[heap.Count];
        for (var n = top.Length - 1; n >= 0; n--) top[n] = heap.Dequeue();
        return top;
    }

    // Smaller value first; of equal values the higher latent first, so ties keep the lower latent.
    private static readonly Comparer<(float Value, int Latent)> WorstFirst =
        Comparer<(float Value, int Latent)>.Create((a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : b.Latent.CompareTo(a.Latent));
}
