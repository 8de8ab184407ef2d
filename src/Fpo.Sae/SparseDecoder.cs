using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>x̂ = codes W_dec + b_dec reading only the rows of listed latents: L0·D work per token instead of F·D.</summary>
public static class SparseDecoder
{
    // xhat (B,D), codes (B rows), W_dec (F,D), b_dec (D) or empty (no bias, as AuxK's reconstruction)
    public static void Forward(float[] xhat, SparseCodes codes, float[] W_dec, float[] b_dec, int B, int D)
    {
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var row = xhat.AsSpan(b * D, D);
                if (b_dec.Length == 0) row.Clear();
                else b_dec.AsSpan(0, D).CopyTo(row);
                for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
                    if (codes.Value[e] != 0) TensorPrimitives.MultiplyAdd(W_dec.AsSpan(codes.Latent[e] * D, D), codes.Value[e], row, row);
            }
        }, minRange: 16);
    }

    /// <summary>dcodes (nnz) = dx̂_b · W_dec[j] for every entry (set, not added); dW_dec[j] += Σ_b code_bj·dx̂_b for listed
    /// latents; db_dec += Σ_b dx̂_b when db_dec is not empty.</summary>
    // dcodes (nnz), dW_dec (F,D) +=, db_dec (D) += or empty, dxhat (B,D), codes, columns (transpose of codes), W_dec (F,D)
    public static void Backward(float[] dcodes, float[] dW_dec, float[] db_dec, float[] dxhat,
        SparseCodes codes, LatentColumns columns, float[] W_dec, int B, int D, int F)
    {
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var g = dxhat.AsSpan(b * D, D);
                for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
                    dcodes[e] = TensorPrimitives.Dot(W_dec.AsSpan(codes.Latent[e] * D, D), g);
            }
        }, minRange: 16);
        ComputeThreads.For(F, (f0, f1) =>
        {
            for (var j = f0; j < f1; j++)
            {
                var dw = dW_dec.AsSpan(j * D, D);
                for (var c = columns.ColumnStart[j]; c < columns.ColumnStart[j + 1]; c++)
                {
                    var v = codes.Value[columns.Entry[c]];
                    if (v != 0) TensorPrimitives.MultiplyAdd(dxhat.AsSpan(columns.Row[c] * D, D), v, dw, dw);
                }
            }
        }, minRange: 64, rangesPerThread: 4);
        if (db_dec.Length == 0) return;
        for (var b = 0; b < B; b++) TensorPrimitives.Add(db_dec.AsSpan(0, D), dxhat.AsSpan(b * D, D), db_dec.AsSpan(0, D));
    }
}
