using Fpo.Alignment.Training;
using Fpo.Grains.Stores;

namespace Fpo.Grains.Roles;

/// <summary>
/// The trainer grain's schedule around <see cref="PreferenceTrainingSettings"/> (method, β/α/γ/k, learning rate, AdamW,
/// clipping, pairs per step): a snapshot every <see cref="SnapshotEvery"/> steps, preferences from a policy more than
/// <see cref="MaxPolicyLag"/> versions behind the current snapshot dropped, and how long it waits to fill a batch.
/// Online training has no total step count, so the learning rate warms up over <see cref="WarmupSteps"/> and then stays constant.
/// With <see cref="KlBudget"/> set, a <see cref="KlController"/> of gain <see cref="KlGain"/> adapts β (and α) to every
/// evaluation's held-out KL.
/// </summary>
public sealed record TrainerSettings
{
    public PreferenceTrainingSettings Training { get; init; } = new() { LearningRate = 1e-4f, Schedule = "constant" };
    public int SnapshotEvery { get; init; } = 4;
    public int MaxPolicyLag { get; init; } = 2;
    public int WarmupSteps { get; init; }
    /// <summary>A partial batch is trained once it has waited this long for more preferences.</summary>
    public TimeSpan BatchWait { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>KL(π_θ‖π_ref) per token on held-out responses the controller holds the policy near; null: no controller.</summary>
    public double? KlBudget { get; init; }
    /// <summary>K of the controller: β changes by at most K × 20% per evaluation.</summary>
    public double KlGain { get; init; } = 0.2;
    /// <summary>Which snapshots keep their files after each publish (a cluster's store; the embedded run folder keeps all).</summary>
    public SnapshotRetentionPolicy Retention { get; init; } = SnapshotRetentionPolicy.KeepAll;
    /// <summary>
    /// The element type snapshots are published in. BF16 halves what rollouts read; a trainer resuming from a BF16
    /// snapshot without its own checkpoint of that step trains on from the widened BF16 weights.
    /// </summary>
    public SnapshotDType SnapshotDType { get; init; } = SnapshotDType.F32;

    public TrainerSettings Validate()
    {
        try
        {
            Training.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"trainer: {e.Message}", e);
        }
        RolloutSettings.Check(SnapshotEvery >= 1, $"trainer.snapshot_every must be at least 1 step (got {SnapshotEvery})");
        RolloutSettings.Check(MaxPolicyLag >= 0, $"trainer.max_policy_lag must be >= 0 (got {MaxPolicyLag})");
        RolloutSettings.Check(WarmupSteps >= 0, $"trainer.warmup_steps must be >= 0 (got {WarmupSteps})");
        RolloutSettings.Check(BatchWait >= TimeSpan.Zero, $"trainer.batch_wait_seconds must be >= 0 (got {BatchWait.TotalSeconds})");
        RolloutSettings.Check(KlBudget is null || (KlBudget > 0 && double.IsFinite(KlBudget.Value)), $"trainer.kl_budget must be positive nats per token, or unset for no controller (got {KlBudget})");
        Retention.Validate();
        RolloutSettings.Check(KlGain is > 0 and <= 1, $"trainer.kl_gain must be in (0, 1] (got {KlGain})");
        return this;
    }
}
