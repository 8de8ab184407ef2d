using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed run/partition; consumes the partition's annotated stream. Labels pairs with the run's judge, orients them
/// chosen/rejected by the label and sends the labels to the run's preference stream. An abstention is counted and never
/// reaches the trainer.
/// </summary>
[Alias("fpo.IJudgeGrain")]
public interface IJudgeGrain : IGrainWithStringKey
{
    [Alias("Status"), AlwaysInterleave]
    Task<JudgeStatus> StatusAsync();
}
