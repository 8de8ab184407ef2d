namespace Fpo.Models.Checkpoints;

/// <summary>
/// Where one Hugging Face tensor lives in our flat layout: Shape elements starting at Offset, stored as is, or,
/// when Transposed, stored as the (Shape[1], Shape[0]) transpose (GPT-2's Conv1D keeps weights as (in, out);
/// we keep (out, in) like torch.nn.Linear).
/// </summary>
public sealed record HuggingFaceTensor(string Name, long[] Shape, int Offset, bool Transposed)
{
    public int Length => (int)(Shape.Length == 1 ? Shape[0] : Shape[0] * Shape[1]);

    /// <summary>This tensor in Hugging Face layout, copied from a flat array (parameters or gradients).</summary>
    public float[] Export(float[] flat)
    {
        var result = new float[Length];
        if (Transposed) Transpose(result, flat.AsSpan(Offset, Length), (int)Shape[1], (int)Shape[0]);
        else flat.AsSpan(Offset, Length).CopyTo(result);
        return result;
    }

    /// <summary>
    /// This tensor in Hugging Face layout without copying when it is stored as is (a slice of <paramref name="flat"/>,
    /// valid while flat is unchanged), else the transposed copy of <see cref="Export"/>.
    /// </summary>
    public ReadOnlyMemory<float> View(float[] flat) => Transposed ? Export(flat) : flat.AsMemory(Offset, Length);

    /// <summary>Stores a tensor given in Hugging Face layout into the flat array.</summary>
    public void Import(float[] flat, ReadOnlySpan<float> hf)
    {
        if (Transposed) Transpose(flat.AsSpan(Offset, Length), hf, (int)Shape[0], (int)Shape[1]);
        else hf.CopyTo(flat.AsSpan(Offset, Length));
    }

    // dst (cols, rows) = src (rows, cols) transposed, a tile at a time so that both the rows read and the rows written
    // stay in cache (a plain double loop strides a whole row per element on one side).
    private static void Transpose(Span<float> dst, ReadOnlySpan<float> src, int rows, int cols)
    {
        const int Tile = 32;
        for (var r0 = 0; r0 < rows; r0 += Tile)
        {
            var r1 = Math.Min(r0 + Tile, rows);
            for (var c0 = 0; c0 < cols; c0 += Tile)
            {
                var c1 = Math.Min(c0 + Tile, cols);
                for (var r = r0; r < r1; r++)
                    for (var c = c0; c < c1; c++)
                        dst[c * rows + r] = src[r * cols + c];
            }
        }
    }
}
