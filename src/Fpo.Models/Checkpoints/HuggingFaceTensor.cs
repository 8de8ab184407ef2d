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

    /// <summary>Stores a tensor given in Hugging Face layout into the flat array.</summary>
    public void Import(float[] flat, ReadOnlySpan<float> hf)
    {
        if (Transposed) Transpose(flat.AsSpan(Offset, Length), hf, (int)Shape[0], (int)Shape[1]);
        else hf.CopyTo(flat.AsSpan(Offset, Length));
    }

    // dst (cols, rows) = src (rows, cols) transposed
    private static void Transpose(Span<float> dst, ReadOnlySpan<float> src, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                dst[c * rows + r] = src[r * cols + c];
    }
}
