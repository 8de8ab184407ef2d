namespace Fpo.Alignment.Explanations;

/// <summary>
/// One latent's explanation and its score (Pearson r of simulated vs true activations on held-out contexts), or null
/// with <see cref="NoScoreReason"/> saying why there is none. <see cref="Model"/> is the LLM that wrote both.
/// </summary>
public sealed record FeatureExplanation(int Latent, string Explanation, double? Score, string? NoScoreReason, string Model, DateTimeOffset Date,
    int ContextsSimulated, int SimulationsFailed);
