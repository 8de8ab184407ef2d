namespace Fpo.Sae.Lens;

/// <summary>The tokens latent <see cref="Latent"/>'s decoder direction promotes most (largest logits first) and suppresses most (smallest first).</summary>
public sealed record FeatureLogits(int Latent, TokenLogit[] Promoted, TokenLogit[] Suppressed);
