namespace Fpo.Sae.Evaluation;

/// <summary>
/// How well an SAE reconstructs resid_post[<see cref="Layer"/>] over <see cref="Tokens"/> tokens (N), and what the
/// reconstruction costs the model. With x_t the activation, x̂_t the reconstruction and x̄ = (1/N) Σ_t x_t:
/// <list type="bullet">
/// <item><see cref="MeanL0"/> = (1/N) Σ_t #{j : code_tj ≠ 0}.</item>
/// <item><see cref="Mse"/> = (1/N) Σ_t ‖x_t − x̂_t‖², summed over d_in and averaged over tokens (as <see cref="ReconstructionLoss"/>).</item>
/// <item><see cref="Fvu"/> = Σ_t ‖x_t − x̂_t‖² / Σ_t ‖x_t − x̄‖², the fraction of variance unexplained.</item>
/// <item><see cref="Cosine"/> = (1/N) Σ_t x_t·x̂_t / max(‖x_t‖‖x̂_t‖, 1e-8).</item>
/// <item>CE: mean next-token cross-entropy over every position of a window but its last, for the clean model, with
/// x̂ spliced into resid_post, and with resid_post zeroed; <see cref="CeRecovered"/> = (CE_zero − CE_sae) / (CE_zero − CE_clean),
/// NaN when zeroing costs nothing (CE_zero = CE_clean), where it is undefined.</item>
/// <item><see cref="KlDivergence"/> = mean over every position of KL(p_clean ‖ p_sae) of the next-token distributions.</item>
/// <item>Densities: <see cref="FiringCounts"/>[j] tokens on which latent j fired; dead latents never fired; dense ones
/// fired on more than <see cref="DenseThreshold"/> of the tokens; <see cref="DensityHistogram"/> bins
/// log10(count_j / N) of the latents that fired.</item>
/// </list>
/// </summary>
public sealed record SaeEvaluation
{
    public required int Layer { get; init; }
    public required long Tokens { get; init; }
    public required int Windows { get; init; }
    public required int ContextSize { get; init; }

    public required double MeanL0 { get; init; }
    public required double Mse { get; init; }
    public required double Fvu { get; init; }
    public required double Cosine { get; init; }

    public required double CeClean { get; init; }
    public required double CeSae { get; init; }
    public required double CeZeroAblated { get; init; }
    public double CeRecovered => CeZeroAblated == CeClean ? double.NaN : (CeZeroAblated - CeSae) / (CeZeroAblated - CeClean);
    public required double KlDivergence { get; init; }

    public required long[] FiringCounts { get; init; }  // (F)
    public required double DenseThreshold { get; init; }
    public required int DeadLatents { get; init; }
    public required int DenseLatents { get; init; }
    public double DeadFraction => (double)DeadLatents / FiringCounts.Length;
    public double DenseFraction => (double)DenseLatents / FiringCounts.Length;
    public required IReadOnlyList<DensityBin> DensityHistogram { get; init; }
}

/// <summary>Latents whose log10 firing density lies in [LowerLog10, UpperLog10) (the top bin also holds UpperLog10 = 0).</summary>
public readonly record struct DensityBin(double LowerLog10, double UpperLog10, int Latents);

/// <summary>Tokens evaluated so far out of the total.</summary>
public readonly record struct SaeEvaluationProgress(long Tokens, long TotalTokens);
