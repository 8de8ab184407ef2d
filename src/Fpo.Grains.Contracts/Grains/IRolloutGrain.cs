using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed run/partition; consumes the partition's prompt stream. Owns a policy replica and the SAE: samples two
/// responses per prompt, sends <see cref="PairBatch"/>es tagged with its policy version to the pair stream of its
/// partition, folds the SAE activations of its responses into the feature statistics of that version, and switches to
/// the newest snapshot between batches when one is announced.
/// </summary>
[Alias("fpo.IRolloutGrain")]
public interface IRolloutGrain : IGrainWithStringKey
{
    [Alias("Status"), AlwaysInterleave]
    Task<RolloutStatus> StatusAsync();
}
