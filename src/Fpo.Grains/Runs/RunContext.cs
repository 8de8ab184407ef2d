using Fpo.Grains.Stores;
using Fpo.Grains.Loop;

namespace Fpo.Grains.Runs;

/// <summary>
/// Everything the grains of one run share on a silo: its id, the assets they build their models from (a grain copies
/// what it owns), the settings, the domain stores, the folder where the trainer keeps its checkpoints, and
/// <see cref="Abandoned"/>: once it fires (the run's host was killed) a turn still in flight writes nothing more, as if
/// its process had died with it; the next activation redoes the work from what was stored.
/// </summary>
public sealed record RunContext(string RunId, LoopAssets Assets, LoopSettings Settings, IRunStores Stores, string TrainerFolder,
    CancellationToken Abandoned = default)
{
    /// <summary>Partitions of the run's rollout → reference → judge path: one rollout and one judge grain each.</summary>
    public int Partitions => Math.Max(Settings.RolloutGrains, Settings.JudgeGrains);
}
