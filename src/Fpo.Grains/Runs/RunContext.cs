using Fpo.Grains.Backbone;
using Fpo.Grains.Loop;

namespace Fpo.Grains.Runs;

/// <summary>
/// Everything the grains of one run share on a silo: its id, the assets they build their models from (a grain copies
/// what it owns), the settings, the domain stores, and the folder where the trainer keeps its checkpoints.
/// </summary>
public sealed record RunContext(string RunId, LoopAssets Assets, LoopSettings Settings, IRunStores Stores, string TrainerFolder)
{
    /// <summary>Partitions of the run's rollout → reference → judge path: one rollout and one judge grain each.</summary>
    public int Partitions => Math.Max(Settings.RolloutGrains, Settings.JudgeGrains);
}
