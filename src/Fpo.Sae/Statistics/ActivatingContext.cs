namespace Fpo.Sae.Statistics;

/// <summary>
/// One of a latent's top activations: the token at <see cref="Position"/> of source <see cref="SourceId"/>, and a
/// window of tokens around it with the latent's activation on each (0 where it was inactive).
/// </summary>
public sealed record ActivatingContext(float Activation, long SourceId, int Position, int WindowStart, int[] TokenIds, float[] Activations)
{
    /// <summary>
    /// The order of the top-N lists: larger activation first, then smaller source id, then earlier position, then the
    /// window contents. A total order, so keeping the first N of any union gives the same list whatever the merge order.
    /// </summary>
    public static readonly IComparer<ActivatingContext> Rank = Comparer<ActivatingContext>.Create(Compare);

    private static int Compare(ActivatingContext? a, ActivatingContext? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return 1;
        if (b is null) return -1;
        var c = b.Activation.CompareTo(a.Activation);
        if (c == 0) c = a.SourceId.CompareTo(b.SourceId);
        if (c == 0) c = a.Position.CompareTo(b.Position);
        if (c == 0) c = a.WindowStart.CompareTo(b.WindowStart);
        if (c == 0) c = a.TokenIds.AsSpan().SequenceCompareTo(b.TokenIds);
        for (var i = 0; c == 0 && i < Math.Min(a.Activations.Length, b.Activations.Length); i++)
            c = a.Activations[i].CompareTo(b.Activations[i]);
        return c != 0 ? c : a.Activations.Length.CompareTo(b.Activations.Length);
    }
}
