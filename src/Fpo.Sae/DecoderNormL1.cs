using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>
/// The ReLU SAE's sparsity penalty (SAELens standard training, lp_norm 1): L = (λ/B) Σ_b Σ_j |f_bj|·‖W_dec[j]‖, so the
/// penalty cannot be dodged by shrinking codes and growing decoder rows.
/// </summary>
public static class DecoderNormL1
{
    /// <summary>Fills <paramref name="norms"/> (F) with ‖W_dec[j]‖ and returns the penalty.</summary>
    // norms (F), codes, W_dec (F,D)
    public static float Forward(float[] norms, SparseCodes codes, float[] W_dec, float coefficient, int B, int D, int F)
    {
        ComputeThreads.For(F, (f0, f1) =>
        {
            for (var j = f0; j < f1; j++) norms[j] = TensorPrimitives.Norm(W_dec.AsSpan(j * D, D));
        }, minRange: 256);
        double sum = 0;
        for (var e = 0; e < codes.Count; e++) sum += MathF.Abs(codes.Value[e]) * norms[codes.Latent[e]];
        return (float)(coefficient * sum / B);
    }

    /// <summary>dcodes += (λ/B)·sign(f)·‖W_dec[j]‖; dW_dec[j] += (λ/B)·(Σ_b |f_bj|)·W_dec[j]/‖W_dec[j]‖ (rows of norm 0 get none).</summary>
    // dcodes (nnz) +=, dW_dec (F,D) +=, codes, columns, norms (F), W_dec (F,D)
    public static void Backward(float[] dcodes, float[] dW_dec, SparseCodes codes, LatentColumns columns, float[] norms,
        float[] W_dec, float coefficient, int B, int D, int F)
    {
        var scale = coefficient / B;
        for (var e = 0; e < codes.Count; e++) dcodes[e] += scale * MathF.Sign(codes.Value[e]) * norms[codes.Latent[e]];
        ComputeThreads.For(F, (f0, f1) =>
        {
            for (var j = f0; j < f1; j++)
            {
                float absSum = 0;
                for (var c = columns.ColumnStart[j]; c < columns.ColumnStart[j + 1]; c++) absSum += MathF.Abs(codes.Value[columns.Entry[c]]);
                if (absSum == 0 || norms[j] == 0) continue;
                var dw = dW_dec.AsSpan(j * D, D);
                TensorPrimitives.MultiplyAdd(W_dec.AsSpan(j * D, D), scale * absSum / norms[j], dw, dw);
            }
        }, minRange: 64);
    }
}
