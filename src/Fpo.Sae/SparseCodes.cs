namespace Fpo.Sae;

/// <summary>
/// Latent codes of a batch in compressed-row form: row b's entries are Latent/Value[RowStart[b] .. RowStart[b+1]),
/// latents ascending. An entry may hold 0 (JumpReLU keeps latents just below their threshold because the
/// straight-through threshold gradient needs their code gradient); every latent not listed is exactly 0.
/// The arrays grow as needed and are reused across batches.
/// </summary>
public sealed class SparseCodes
{
    public int Rows { get; private set; }
    public int[] RowStart { get; private set; } = [0];  // (B+1)
    public int[] Latent { get; private set; } = [];     // (nnz)
    public float[] Value { get; private set; } = [];    // (nnz)

    /// <summary>Entries over all rows.</summary>
    public int Count => RowStart[Rows];

    /// <summary>Sets the row count and per-row entry counts (in RowStart[1..B] on entry) into start offsets, and makes
    /// room for the entries; callers fill Latent and Value afterwards.</summary>
    internal void Allocate(int B, ReadOnlySpan<int> rowCounts)
    {
        if (RowStart.Length < B + 1) RowStart = new int[B + 1];
        Rows = B;
        long total = 0;
        RowStart[0] = 0;
        for (var b = 0; b < B; b++)
        {
            total += rowCounts[b];
            if (total > Array.MaxLength) throw new InvalidOperationException($"SAE codes: {total} active entries in a batch of {B} rows exceed one array");
            RowStart[b + 1] = (int)total;
        }
        if (Latent.Length < total)
        {
            Latent = new int[total + total / 4];
            Value = new float[total + total / 4];
        }
    }

    /// <summary>The active count per row that an L0 report uses (entries with a non-zero value).</summary>
    public double MeanL0()
    {
        long active = 0;
        for (var e = 0; e < Count; e++) if (Value[e] != 0) active++;
        return Rows == 0 ? 0 : (double)active / Rows;
    }

    /// <summary>Writes the codes densely into <paramref name="dense"/> (B,F), zeros elsewhere (for tests and small batches).</summary>
    public void ToDense(Span<float> dense, int F) => ToDense(dense, Value, F);

    /// <summary>Writes per-entry <paramref name="values"/> (nnz, aligned with the entries, e.g. their gradients) densely
    /// into <paramref name="dense"/> (B,F), zeros elsewhere.</summary>
    public void ToDense(Span<float> dense, ReadOnlySpan<float> values, int F)
    {
        dense[..(Rows * F)].Clear();
        for (var b = 0; b < Rows; b++)
            for (var e = RowStart[b]; e < RowStart[b + 1]; e++) dense[b * F + Latent[e]] = values[e];
    }
}
