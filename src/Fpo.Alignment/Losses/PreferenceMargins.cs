namespace Fpo.Alignment.Losses;

/// <summary>
/// The margin u of each method from per-row quantities (rows 0..B−1 chosen, B..2B−1 rejected), the implicit rewards
/// (per row, for the metrics) and the backward from du to the per-row inputs. sg terms get no gradient.
/// </summary>
public static class PreferenceMargins
{
    /// <summary>DPO and TDPO's first part: rewards = β(logp_θ − logp_ref), u = r_w − r_l.</summary>
    // u (B), rewards (2B), policySum (2B), refSum (2B)
    public static void LogRatioForward(Span<float> u, Span<float> rewards, ReadOnlySpan<float> policySum, ReadOnlySpan<float> refSum, float beta, int B)
    {
        for (var r = 0; r < 2 * B; r++) rewards[r] = beta * (policySum[r] - refSum[r]);
        for (var i = 0; i < B; i++) u[i] = rewards[i] - rewards[B + i];
    }

    /// <summary>SimPO and FPO's first part: rewards = β·avg_θ, u = r_w − r_l − offset_i.</summary>
    // u (B), rewards (2B), policyMean (2B), offset (B)
    public static void AverageForward(Span<float> u, Span<float> rewards, ReadOnlySpan<float> policyMean, ReadOnlySpan<float> offset, float beta, int B)
    {
        for (var r = 0; r < 2 * B; r++) rewards[r] = beta * policyMean[r];
        for (var i = 0; i < B; i++) u[i] = rewards[i] - rewards[B + i] - offset[i];
    }

    /// <summary>u −= weight·(D_l − D_w): TDPO's KL term (weight β for TDPO1, αβ for TDPO2) and FPO's feature term (αβ).</summary>
    // u (B), divergence (2B)
    public static void DivergenceForward(Span<float> u, ReadOnlySpan<float> divergence, float weight, int B)
    {
        for (var i = 0; i < B; i++) u[i] -= weight * (divergence[B + i] - divergence[i]);
    }

    /// <summary>d(reward difference)/d per-row input: dx_w = β·du, dx_l = −β·du (sets).</summary>
    // dx (2B), du (B)
    public static void RewardBackward(Span<float> dx, ReadOnlySpan<float> du, float beta, int B)
    {
        for (var i = 0; i < B; i++)
        {
            dx[i] = beta * du[i];
            dx[B + i] = -beta * du[i];
        }
    }

    /// <summary>dD_l = −weight·du; dD_w = +weight·du, or 0 when the chosen term is under sg (sets).</summary>
    // ddivergence (2B), du (B)
    public static void DivergenceBackward(Span<float> ddivergence, ReadOnlySpan<float> du, float weight, bool stopChosen, int B)
    {
        for (var i = 0; i < B; i++)
        {
            ddivergence[B + i] = -weight * du[i];
            ddivergence[i] = stopChosen ? 0f : weight * du[i];
        }
    }
}
