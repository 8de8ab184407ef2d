namespace Fpo.Grains.Contracts;

/// <summary>
/// Owns the frozen reference model and the SAE: attaches the offline reference data (log-probs and pooled reference
/// SAE features, shared/FPO.md) to each pair and folds the reference-side feature statistics.
/// </summary>
public interface IReferenceGrain : IGrain
{
    long PairsAnnotated { get; }
}
