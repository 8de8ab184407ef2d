using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Loop;

/// <summary>
/// How each grain of the loop is built from the run's assets and settings — one place for the embedded all-in-one
/// <see cref="LoopHost"/> and the per-role silos of <see cref="Cluster.RoleHost"/>, so both run the same grains.
/// </summary>
public static class LoopGrains
{
    /// <summary>Checks <paramref name="settings"/> against the assets' model and that a method reading SAE features has an SAE.</summary>
    public static void Check(LoopAssets assets, LoopSettings settings)
    {
        settings.Validate(assets.InitialPolicy.Config.VocabSize);
        if (assets.Sae is null && settings.Trainer.Training.Method == "fpo")
            throw new ArgumentException("fpo needs an SAE (its constraint reads the SAE's features); give one or choose dpo, simpo, tdpo1 or tdpo2");
    }

    /// <summary>
    /// The leases of the compute-heavy grains: when they take turns on the cores, a grain without work gives its turn
    /// back at once instead of holding the cores through its lease wait.
    /// </summary>
    public static LeaseSettings ComputeLeases(LoopSettings settings) => settings.TakeTurns ? settings.Leases with { Wait = TimeSpan.Zero } : settings.Leases;

    public static PromptSourceGrain PromptSource(RunStreams streams, LoopAssets assets, LoopSettings settings) =>
        new(streams.Prompts, [streams.Pairs, streams.Annotated], assets.TrainPrompts, settings.Rollout.BatchPrompts, settings.MaxInFlight, settings.PromptSeed, settings.Leases);

    /// <summary>Rollout grain number <paramref name="index"/>; its seed is the configured one plus the index.</summary>
    public static RolloutGrain Rollout(int index, IBackbone backbone, RunStreams streams, LoopAssets assets, LoopSettings settings) =>
        new($"rollout-{index}", backbone, streams.Prompts, streams.Pairs, assets.InitialPolicy.Config, assets.Tokenizer, assets.PromptEncoder, assets.Sae,
            settings.Rollout with { Seed = settings.Rollout.Seed + (ulong)index }, ComputeLeases(settings));

    /// <summary>The reference grain on <paramref name="reference"/>, a frozen copy of the run's snapshot 0 that it owns.</summary>
    public static ReferenceGrain Reference(IBackbone backbone, RunStreams streams, LoopAssets assets, LoopSettings settings, TransformerModel reference) =>
        new(backbone, streams.Pairs, streams.Annotated, reference, assets.Sae, assets.SaeDir is null ? null : ReferenceData.SaeIdOf(assets.SaeDir),
            settings.ReferenceBatch, settings.Rollout, ComputeLeases(settings));

    public static JudgeGrain Judge(int index, IBackbone backbone, RunStreams streams, LoopAssets assets, LoopSettings settings) =>
        new($"judge-{index}", backbone, streams.Annotated, streams.Preferences, assets.Judge, settings.JudgeBatch, settings.Leases);

    /// <summary>The trainer, resumed from the newest snapshot (its checkpoints live in <paramref name="trainerDir"/>).</summary>
    public static Task<TrainerGrain> TrainerAsync(IBackbone backbone, RunStreams streams, LoopAssets assets, LoopSettings settings, string trainerDir,
        CancellationToken cancellationToken, TimeProvider? time = null) =>
        TrainerGrain.OpenAsync(backbone, streams.Preferences, assets.InitialPolicy.Config, assets.Sae, assets.SaeDir, settings.Trainer, ComputeLeases(settings),
            trainerDir, cancellationToken, time);

    /// <summary>The evaluator against <paramref name="reference"/>, a frozen copy of the run's snapshot 0 that it owns.</summary>
    public static EvaluatorGrain Evaluator(IBackbone backbone, LoopAssets assets, LoopSettings settings, TransformerModel reference) =>
        new(backbone, assets.InitialPolicy.Config, reference, assets.Tokenizer, assets.PromptEncoder, assets.Sae, assets.Judge, assets.HeldOutPrompts,
            settings.Evaluator, settings.Leases.Wait);

    /// <summary>A new model with the weights <paramref name="source"/> holds now, for a grain to own.</summary>
    public static TransformerModel Frozen(TransformerModel source)
    {
        var model = new TransformerModel(source.Config);
        source.Parameters.CopyTo(model.Parameters, 0);
        model.InvalidateInferenceWeights();
        return model;
    }

    /// <summary>A new model of <paramref name="config"/> holding the weights of <paramref name="snapshot"/>.</summary>
    public static TransformerModel Frozen(ModelConfig config, SnapshotContent snapshot)
    {
        var model = new TransformerModel(config);
        PolicySnapshot.Load(snapshot, model);
        return model;
    }
}
