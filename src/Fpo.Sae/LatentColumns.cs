namespace Fpo.Sae;

/// <summary>
/// The transpose of a <see cref="SparseCodes"/> pattern: for each latent, the entries that use it, rows ascending.
/// Weight gradients are summed per latent over these lists, so threads own disjoint weight rows and the sum order is
/// fixed: the result is deterministic for any thread count.
/// </summary>
public sealed class LatentColumns
{
    public int[] ColumnStart { get; private set; } = [0];  // (F+1)
    public int[] Row { get; private set; } = [];           // (nnz) row of each entry
    public int[] Entry { get; private set; } = [];         // (nnz) index of the entry in the SparseCodes arrays
    private int[] _next = [];                              // (F) fill cursor per latent

    /// <summary>Counting sort of the entries by latent; within a latent the rows stay ascending.</summary>
    public void Build(SparseCodes codes, int F)
    {
        var nnz = codes.Count;
        if (ColumnStart.Length < F + 1) ColumnStart = new int[F + 1];
        if (Row.Length < nnz)
        {
            Row = new int[nnz + nnz / 4];
            Entry = new int[nnz + nnz / 4];
        }
        var start = ColumnStart.AsSpan(0, F + 1);
        start.Clear();
        var latent = codes.Latent;
        for (var e = 0; e < nnz; e++) start[latent[e] + 1]++;
        for (var f = 0; f < F; f++) start[f + 1] += start[f];
        if (_next.Length < F) _next = new int[F];
        var next = _next;
        start[..F].CopyTo(next);
        for (var b = 0; b < codes.Rows; b++)
            for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
            {
                var slot = next[latent[e]]++;
                Row[slot] = b;
                Entry[slot] = e;
            }
    }
}
