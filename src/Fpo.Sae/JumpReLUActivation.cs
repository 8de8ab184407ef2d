namespace Fpo.Sae;

/// <summary>
/// codes = pre · [pre > θ_j] (SAELens' JumpReLU; thresholds are positive, so this equals relu(pre)·[pre > θ_j]).
/// In training (bandwidth ε > 0) latents with θ_j − ε/2 &lt; pre ≤ θ_j are listed too, with code 0: the rectangle
/// kernel of the straight-through estimator gives them a threshold gradient (Rajamanoharan et al. 2024).
/// </summary>
public static class JumpReLUActivation
{
    // codes (B rows), pre (B,F), threshold (F); bandwidth 0 lists only the active latents (inference)
    public static void Forward(SparseCodes codes, float[] pre, float[] threshold, float bandwidth, int B, int F) =>
        RowFilter.Forward(codes, pre, new Jump(threshold, bandwidth / 2), B, F);

    /// <summary>
    /// dpre = [pre > θ_j]·dcodes (entries' values aligned with codes); dθ_j += Σ_b −(θ_j/ε)·rect((pre_bj − θ_j)/ε)·dcodes_bj
    /// with rect(u) = [−½ &lt; u &lt; ½], the STE derivative of the jump (SAELens JumpReLU.backward).
    /// </summary>
    // dpre (nnz), dthreshold (F) +=, dcodes (nnz), codes, pre (B,F), threshold (F)
    public static void Backward(float[] dpre, float[] dthreshold, float[] dcodes, SparseCodes codes, float[] pre,
        float[] threshold, float bandwidth, int B, int F)
    {
        for (var b = 0; b < B; b++)
            for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
            {
                var j = codes.Latent[e];
                float p = pre[(long)b * F + j], t = threshold[j];
                dpre[e] = p > t ? dcodes[e] : 0;
                if (Rectangle((p - t) / bandwidth)) dthreshold[j] += -(t / bandwidth) * dcodes[e];
            }
    }

    /// <summary>rect(u) = 1 for −½ &lt; u &lt; ½, else 0.</summary>
    public static bool Rectangle(float u) => u > -0.5f && u < 0.5f;

    private readonly struct Jump(float[] threshold, float halfBand) : IElementRule
    {
        public bool Keep(float pre, int latent) => pre > threshold[latent] - halfBand;
        public float Code(float pre, int latent) => pre > threshold[latent] ? pre : 0;
    }
}
