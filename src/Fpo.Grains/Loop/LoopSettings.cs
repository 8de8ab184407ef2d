using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Loop;

/// <summary>
/// The loop's shape: per-role settings, how many rollout and judge grains run, batch sizes of the reference and judge
/// grains, how many latents each FeatureStats grain owns, how many prompts and unjudged pairs may be in flight (back-pressure), whether the compute-heavy grains
/// (rollout, reference, trainer, evaluator) take turns on the cores or run concurrently, and when to stop.
/// </summary>
public sealed record LoopSettings
{
    public RolloutSettings Rollout { get; init; } = new();
    public TrainerSettings Trainer { get; init; } = new();
    public EvaluatorSettings Evaluator { get; init; } = new();
    public LeaseSettings Leases { get; init; } = new();
    public int RolloutGrains { get; init; } = 1;
    public int JudgeGrains { get; init; } = 1;
    public int ReferenceBatch { get; init; } = 8;
    public int JudgeBatch { get; init; } = 16;
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
        RolloutSettings.Check(ReferenceBatch >= 1, $"loop.reference_batch must be at least 1 (got {ReferenceBatch})");
        RolloutSettings.Check(JudgeBatch >= 1, $"loop.judge_batch must be at least 1 (got {JudgeBatch})");
        RolloutSettings.Check(FeatureShardSize >= 1, $"loop.feature_shard_size must be at least 1 (got {FeatureShardSize})");
        RolloutSettings.Check(MaxInFlight >= Rollout.BatchPrompts, $"loop.max_in_flight ({MaxInFlight}) must hold at least one rollout batch ({Rollout.BatchPrompts} prompts)");
        RolloutSettings.Check(MaxSnapshots is null or >= 1, $"run.max_snapshots must be at least 1 (got {MaxSnapshots})");
        RolloutSettings.Check(MaxDuration is null || MaxDuration > TimeSpan.Zero, $"run.max_minutes must be positive (got {MaxDuration?.TotalMinutes})");
        RolloutSettings.Check(Leases.Visibility > TimeSpan.Zero, $"loop.lease_visibility_seconds must be positive (got {Leases.Visibility.TotalSeconds})");
        RolloutSettings.Check(Leases.Wait >= TimeSpan.Zero, $"loop.lease_wait_seconds must be >= 0 (got {Leases.Wait.TotalSeconds})");
        return this;
    }
}
