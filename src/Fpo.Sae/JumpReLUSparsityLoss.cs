namespace Fpo.Sae;

/// <summary>
/// JumpReLU's L0 penalty (SAELens jumprelu_sparsity_loss_mode "step"): L = (λ/B) Σ_b Σ_j H(pre_bj − θ_j). H is a step,
/// so only the threshold gets a gradient, the straight-through one: ∂L/∂θ_j = −(λ/(B·ε)) Σ_b rect((pre_bj − θ_j)/ε).
/// </summary>
public static class JumpReLUSparsityLoss
{
    // codes (from JumpReLUActivation.Forward in training), pre (B,F), threshold (F)
    public static float Forward(SparseCodes codes, float[] pre, float[] threshold, float coefficient, int B, int F)
    {
        long active = 0;
        for (var b = 0; b < B; b++)
            for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
                if (pre[(long)b * F + codes.Latent[e]] > threshold[codes.Latent[e]]) active++;
        return (float)(coefficient * (double)active / B);
    }

    // dthreshold (F) +=; the listed entries cover every pre within ε/2 of its threshold
    public static void Backward(float[] dthreshold, SparseCodes codes, float[] pre, float[] threshold, float coefficient,
        float bandwidth, int B, int F)
    {
        var scale = -coefficient / (B * bandwidth);
        for (var b = 0; b < B; b++)
            for (var e = codes.RowStart[b]; e < codes.RowStart[b + 1]; e++)
            {
                var j = codes.Latent[e];
                if (JumpReLUActivation.Rectangle((pre[(long)b * F + j] - threshold[j]) / bandwidth)) dthreshold[j] += scale;
            }
    }
}
