using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed run/partition; consumes the partition's pair stream. Owns the frozen reference and the SAE: attaches the
/// offline reference data (log-probs and pooled reference SAE features) to each pair, folds the reference-side feature
/// statistics, and sends the annotated batch on.
/// </summary>
[Alias("fpo.IReferenceGrain")]
public interface IReferenceGrain : IGrainWithStringKey
{
    /// <summary>Pairs annotated by this activation.</summary>
    [Alias("Annotated"), AlwaysInterleave]
    Task<long> AnnotatedAsync();
}
