namespace Fpo.Alignment.Explanations;

/// <summary>A latent that cannot be explained at all (never fired, or the server gave no explanation).</summary>
public sealed class ExplainerException(string message) : Exception(message);
