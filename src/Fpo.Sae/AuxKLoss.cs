using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>
/// TopK's auxiliary dead-latent loss (Gao et al. 2024, "Scaling and evaluating sparse autoencoders", §A.2): the
/// k_aux largest relu(pre) among dead latents reconstruct the main reconstruction's error e = x − x̂ (held constant),
/// without the decoder bias: ê = Σ z_j W_dec[j], L = α·(1/B) Σ_b ‖ê_b − e_b‖², α = 1/32 in the paper. The error is
/// normalised as the main <see cref="ReconstructionLoss"/> (sum over D, mean over B), so α weighs the two terms as
/// the paper's equally normalised pair does. No dead latent, no loss.
/// </summary>
public static class AuxKLoss
{
    /// <summary>The paper's coefficient α.</summary>
    public const float DefaultCoefficient = 1f / 32;

    /// <summary>Selects the aux codes (latents ascending per row), writes ê into <paramref name="auxRecon"/> and returns the loss.</summary>
    // auxCodes (B rows), auxRecon (B,D) ê, pre (B,F), x (B,D), xhat (B,D), dead (F), W_dec (F,D)
    public static float Forward(SparseCodes auxCodes, float[] auxRecon, float[] pre, float[] x, float[] xhat, ReadOnlySpan<bool> dead,
        float[] W_dec, float coefficient, int kAux, int B, int D, int F)
    {
        var deadLatents = new List<int>();  // ascending, so ties keep the lower latent as in TopK
        for (var j = 0; j < F; j++) if (dead[j]) deadLatents.Add(j);
        var k = Math.Min(kAux, deadLatents.Count);
        var counts = new int[B];
        var latents = new int[B * Math.Max(k, 1)];    // (B,k)
        var values = new float[B * Math.Max(k, 1)];   // (B,k)
        if (k > 0)
        {
            var deadArray = deadLatents.ToArray();
            ComputeThreads.For(B, (b0, b1) =>
            {
                var gathered = new float[deadArray.Length];
                for (var b = b0; b < b1; b++)
                {
                    for (var i = 0; i < deadArray.Length; i++) gathered[i] = pre[(long)b * F + deadArray[i]];
                    var n = TopKActivation.SelectRow(latents.AsSpan(b * k, k), values.AsSpan(b * k, k), gathered, k);
                    for (var i = 0; i < n; i++) latents[b * k + i] = deadArray[latents[b * k + i]];
                    counts[b] = n;
                }
            }, minRange: 16);
        }
        auxCodes.Allocate(B, counts);
        for (var b = 0; b < B; b++)
        {
            latents.AsSpan(b * k, counts[b]).CopyTo(auxCodes.Latent.AsSpan(auxCodes.RowStart[b]));
            values.AsSpan(b * k, counts[b]).CopyTo(auxCodes.Value.AsSpan(auxCodes.RowStart[b]));
        }
        if (k == 0) return 0;
        SparseDecoder.Forward(auxRecon, auxCodes, W_dec, [], B, D);
        double sum = 0;
        for (var i = 0; i < B * D; i++)
        {
            var r = auxRecon[i] - (x[i] - xhat[i]);
            sum += (double)r * r;
        }
        return (float)(coefficient * sum / B);
    }

    /// <summary>dê = (2α/B)(ê − e) into <paramref name="dauxRecon"/> (set); the caller sends it through
    /// <see cref="SparseDecoder.Backward"/> (no bias) and the encoder, since e is a constant.</summary>
    // dauxRecon (B,D), auxRecon (B,D), x (B,D), xhat (B,D)
    public static void Backward(float[] dauxRecon, float[] auxRecon, float[] x, float[] xhat, float coefficient, int B, int D)
    {
        var scale = 2f * coefficient / B;
        for (var i = 0; i < B * D; i++) dauxRecon[i] = scale * (auxRecon[i] - (x[i] - xhat[i]));
    }
}
