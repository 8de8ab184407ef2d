using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Loop;

/// <summary>
/// The loop's shape: per-role settings, how many rollout and judge grains run (the data path's partitions), how many
/// latents each FeatureStats grain owns, how many prompts and unjudged pairs may be in flight (back-pressure), whether the compute-heavy grains
/// (rollout, reference, trainer, evaluator) take turns on the cores or run concurrently, and when to stop.
/// </summary>
public sealed record LoopSettings
{
    public RolloutSettings Rollout { get; init; } = new();
    public TrainerSettings Trainer { get; init; } = new();
    public EvaluatorSettings Evaluator { get; init; } = new();
    public int RolloutGrains { get; init; } = 1;
    public int JudgeGrains { get; init; } = 1;
    /// <summary>Latents per FeatureStats grain (<see cref="FeatureShards"/>).</summary>
    public int FeatureShardSize { get; init; } = FeatureShards.DefaultSize;
    /// <summary>Prompts in flight at most, from the prompt source until their labels are trained; the prompt source waits above it.</summary>
    public int MaxInFlight { get; init; } = 32;
    public int PromptSeed { get; init; } = 1;
    public bool TakeTurns { get; init; }
    /// <summary>Stop once this snapshot version is published and evaluated.</summary>
    public int? MaxSnapshots { get; init; }
    public TimeSpan? MaxDuration { get; init; }

    public LoopSettings Validate(int vocabSize)
    {
        Rollout.Validate(vocabSize);
        Trainer.Validate();
        Evaluator.Validate(vocabSize);
        RolloutSettings.Check(RolloutGrains >= 1, $"rollout.grains must be at least 1 (got {RolloutGrains})");
        RolloutSettings.Check(JudgeGrains >= 1, $"loop.judge_grains must be at least 1 (got {JudgeGrains})");
        RolloutSettings.Check(FeatureShardSize >= 1, $"loop.feature_shard_size must be at least 1 (got {FeatureShardSize})");
        RolloutSettings.Check(MaxInFlight >= Rollout.BatchPrompts, $"loop.max_in_flight ({MaxInFlight}) must hold at least one rollout batch ({Rollout.BatchPrompts} prompts)");
        RolloutSettings.Check(MaxSnapshots is null or >= 1, $"run.max_snapshots must be at least 1 (got {MaxSnapshots})");
        RolloutSettings.Check(MaxDuration is null || MaxDuration > TimeSpan.Zero, $"run.max_minutes must be positive (got {MaxDuration?.TotalMinutes})");
        return this;
    }
}
