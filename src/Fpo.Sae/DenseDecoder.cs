using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>
/// The decoder on dense codes z (B,F) through the GEMM: the same x̂ = z W_dec + b_dec and gradients as
/// <see cref="SparseDecoder"/>, for batches where so many latents fire (an untrained ReLU SAE: about half) that
/// per-entry row updates lose to one B·F·D matrix product.
/// </summary>
public static class DenseDecoder
{
    // xhat (B,D), z (B,F), W_dec (F,D), b_dec (D)
    public static void Forward(float[] xhat, float[] z, float[] W_dec, float[] b_dec, int B, int D, int F)
    {
        for (var b = 0; b < B; b++) b_dec.AsSpan(0, D).CopyTo(xhat.AsSpan(b * D, D));
        Gemm.Multiply(false, false, B, D, F, 1f, z, F, W_dec, D, 1f, xhat, D);
    }

    /// <summary>dz (B,F) = dx̂ W_decᵀ and dcodes (nnz) its entries at the listed latents (set, not added);
    /// dW_dec += zᵀ dx̂; db_dec += Σ_b dx̂_b.</summary>
    // dcodes (nnz), dz (B,F) scratch, dW_dec (F,D) +=, db_dec (D) +=, dxhat (B,D), z (B,F), codes, W_dec (F,D)
    public static void Backward(float[] dcodes, float[] dz, float[] dW_dec, float[] db_dec, float[] dxhat, float[] z,
        SparseCodes codes, float[] W_dec, int B, int D, int F)
    {
        Gemm.Multiply(false, true, B, F, D, 1f, dxhat, D, W_dec, D, 0f, dz, F);
        for (var b = 0; b < B; b++)
            for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++) dcodes[e] = dz[(long)b * F + codes.Latent[e]];
        Gemm.Multiply(true, false, F, D, B, 1f, z, F, dxhat, D, 1f, dW_dec, D);
        for (var b = 0; b < B; b++) TensorPrimitives.Add(db_dec.AsSpan(0, D), dxhat.AsSpan(b * D, D), db_dec.AsSpan(0, D));
    }
}
