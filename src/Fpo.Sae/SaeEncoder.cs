using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>pre = (x − b_dec·[apply]) W_encᵀ + b_enc, dense on the GEMM; its backward reads only the active latents.</summary>
public static class SaeEncoder
{
    // pre (B,F), xin (B,D) the encoder's input x − b_dec (or x), x (B,D), W_enc (F,D), b_enc (F), b_dec (D)
    public static void Forward(float[] pre, float[] xin, ReadOnlySpan<float> x, float[] W_enc, ReadOnlySpan<float> b_enc,
        ReadOnlySpan<float> b_dec, bool applyDecoderBias, int B, int D, int F)
    {
        x[..(B * D)].CopyTo(xin);
        if (applyDecoderBias)
            for (var b = 0; b < B; b++) TensorPrimitives.Subtract(xin.AsSpan(b * D, D), b_dec[..D], xin.AsSpan(b * D, D));
        Linear.Forward(pre.AsSpan(0, B * F), xin.AsSpan(0, B * D), W_enc, b_enc, B, D, F);
    }

    /// <summary>
    /// From dpre on the entries of <paramref name="codes"/> (values aligned with codes.Value): dW_enc[j] += Σ_b dpre_bj·xin_b
    /// and db_enc[j] += Σ_b dpre_bj for listed latents only; dx (B,D) += dpre W_enc when dx is not empty; and with the
    /// decoder bias applied to the input, db_dec −= Σ_b (dpre W_enc)_b. All sums run in a fixed order.
    /// </summary>
    // dx (B,D) += or empty, dW_enc (F,D) +=, db_enc (F) +=, db_dec (D) +=, dpre (nnz), xin (B,D), W_enc (F,D)
    public static void Backward(float[] dx, float[] dW_enc, float[] db_enc, float[] db_dec, float[] dpre,
        SparseCodes codes, LatentColumns columns, float[] xin, float[] W_enc, bool applyDecoderBias, int B, int D, int F)
    {
        var columnSum = applyDecoderBias ? new float[F] : null;  // (F) Σ_b dpre_bj, for the b_dec path
        ComputeThreads.For(F, (f0, f1) =>
        {
            for (var j = f0; j < f1; j++)
            {
                int c0 = columns.ColumnStart[j], c1 = columns.ColumnStart[j + 1];
                if (c0 == c1) continue;
                var dw = dW_enc.AsSpan(j * D, D);
                float sum = 0;
                for (var c = c0; c < c1; c++)
                {
                    var g = dpre[columns.Entry[c]];
                    if (g == 0) continue;
                    sum += g;
                    TensorPrimitives.MultiplyAdd(xin.AsSpan(columns.Row[c] * D, D), g, dw, dw);
                }
                db_enc[j] += sum;
                if (columnSum is not null) columnSum[j] = sum;
            }
        }, minRange: 64, rangesPerThread: 4);
        if (dx.Length != 0) InputGradient(dx, dpre, codes, W_enc, B, D);
        if (columnSum is not null) DecoderBiasGradient(db_dec, columnSum, W_enc, D, F);
    }

    /// <summary>
    /// <see cref="Backward"/> from a dense dpre (B,F) through the GEMM, for batches where most latents are listed:
    /// dW_enc += dpreᵀ xin, db_enc += Σ_b dpre_b, dx += dpre W_enc when dx is not empty, db_dec −= Σ_b (dpre W_enc)_b
    /// with the decoder bias applied to the input.
    /// </summary>
    // dx (B,D) += or empty, dW_enc (F,D) +=, db_enc (F) +=, db_dec (D) +=, dpre (B,F), xin (B,D), W_enc (F,D)
    public static void BackwardDense(float[] dx, float[] dW_enc, float[] db_enc, float[] db_dec, float[] dpre,
        float[] xin, float[] W_enc, bool applyDecoderBias, int B, int D, int F)
    {
        Gemm.Multiply(true, false, F, D, B, 1f, dpre, F, xin, D, 1f, dW_enc, D);
        var columnSum = new float[F];  // (F) Σ_b dpre_bj
        for (var b = 0; b < B; b++) TensorPrimitives.Add(columnSum, dpre.AsSpan(b * F, F), columnSum);
        TensorPrimitives.Add(db_enc.AsSpan(0, F), columnSum, db_enc.AsSpan(0, F));
        if (dx.Length != 0) Gemm.Multiply(false, false, B, D, F, 1f, dpre, F, W_enc, D, 1f, dx, D);
        if (applyDecoderBias) DecoderBiasGradient(db_dec, columnSum, W_enc, D, F);
    }

    // db_dec −= Σ_j columnSum_j W_enc[j], in latent order
    private static void DecoderBiasGradient(float[] db_dec, float[] columnSum, float[] W_enc, int D, int F)
    {
        for (var j = 0; j < F; j++)
            if (columnSum[j] != 0) TensorPrimitives.MultiplyAdd(W_enc.AsSpan(j * D, D), -columnSum[j], db_dec.AsSpan(0, D), db_dec.AsSpan(0, D));
    }

    // dx (B,D) += Σ_j dpre_bj W_enc[j] over the entries of each row
    private static void InputGradient(float[] dx, float[] dpre, SparseCodes codes, float[] W_enc, int B, int D) =>
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var row = dx.AsSpan(b * D, D);
                for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
                    if (dpre[e] != 0) TensorPrimitives.MultiplyAdd(W_enc.AsSpan(codes.Latent[e] * D, D), dpre[e], row, row);
            }
        }, minRange: 16);
}
