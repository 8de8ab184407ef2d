using Fpo.Grains.Stores;
using Fpo.Alignment.Training;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;
using Fpo.Models.Sampling;

namespace Fpo.Silo.Cli.Loop;

/// <summary>Turns the layered config into <see cref="LoopSettings"/>; a value the loop rejects becomes an error naming its key and source.</summary>
public static class LoopSettingsReader
{
    /// <summary>The settings; checked here as far as they can be without the model (the loop checks the rest against its vocabulary).</summary>
    public static LoopSettings Read(LoopConfig c)
    {
        var method = c.String("trainer.method") ?? "fpo";
        if (Array.IndexOf(PreferenceTrainingSettings.Methods, method) < 0)
            throw c.Bad("trainer.method", $"unknown method '{method}' (expected {string.Join(", ", PreferenceTrainingSettings.Methods)})");
        var training = new PreferenceTrainingSettings
        {
            Method = method,
            Beta = (float?)c.OptionalDouble("trainer.beta"),
            Alpha = (float?)c.OptionalDouble("trainer.alpha"),
            Gamma = (float?)c.OptionalDouble("trainer.gamma"),
            TopK = c.OptionalInt("trainer.top_k"),
            LearningRate = (float)c.Double("trainer.learning_rate"),
            Schedule = "constant",
            BatchSize = c.Int("trainer.batch_size"),
            GradientClip = (float)c.Double("trainer.grad_clip"),
        };
        Check(c, () => training.Validate());
        var settings = new LoopSettings
        {
            Trainer = new TrainerSettings
            {
                Training = training,
                SnapshotEvery = c.Int("trainer.snapshot_every"),
                MaxPolicyLag = c.Int("trainer.max_policy_lag"),
                WarmupSteps = c.Int("trainer.warmup_steps"),
                BatchWait = TimeSpan.FromSeconds(c.Double("trainer.batch_wait_seconds")),
                KlBudget = c.OptionalDouble("trainer.kl_budget"),
                KlGain = c.Double("trainer.kl_gain"),
                Retention = new SnapshotRetentionPolicy(c.Int("snapshots.keep_newest"), c.Int("snapshots.keep_every")),
                SnapshotDType = c.String("snapshots.dtype") switch
                {
                    "f32" => SnapshotDType.F32,
                    "bf16" => SnapshotDType.BF16,
                    var other => throw c.Bad("snapshots.dtype", $"unknown dtype '{other}' (expected f32 or bf16)"),
                },
            },
            Rollout = new RolloutSettings
            {
                BatchPrompts = c.Int("rollout.batch_prompts"),
                MaxNewTokens = c.Int("rollout.max_new_tokens"),
                Sampling = new SamplingParams { Temperature = (float)c.Double("rollout.temperature"), TopK = c.Int("rollout.top_k"), TopP = (float)c.Double("rollout.top_p") },
                Seed = (ulong)c.Int("rollout.seed"),
                FeatureStatistics = c.Bool("rollout.feature_statistics"),
                StatisticsTopN = c.Int("rollout.statistics_top_n"),
                StatisticsContextRadius = c.Int("rollout.statistics_context_radius"),
            },
            Evaluator = new EvaluatorSettings
            {
                MaxNewTokens = c.Int("evaluator.max_new_tokens"),
                Sampling = new SamplingParams { Temperature = (float)c.Double("evaluator.temperature") },
                Seed = (ulong)c.Int("evaluator.seed"),
                DriftTopK = c.Int("evaluator.drift_top_k"),
                BootstrapResamples = c.Int("evaluator.bootstrap_resamples"),
            },
            RolloutGrains = c.Int("rollout.grains"),
            JudgeGrains = c.Int("loop.judge_grains"),
            FeatureShardSize = c.Int("loop.feature_shard_size"),
            MaxInFlight = c.Int("loop.max_in_flight"),
            TakeTurns = c.Bool("loop.take_turns"),
            MaxSnapshots = c.OptionalInt("run.max_snapshots"),
            MaxDuration = c.OptionalDouble("run.max_minutes") is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        };
        Check(c, () => settings.Validate(int.MaxValue));
        return settings;
    }

    // Messages of the training settings name the setting in words; the loop's name the key. Either way the error points
    // at the key and where its value came from.
    private static readonly (string Words, string Key)[] TrainingWords =
    [
        ("learning rate", "trainer.learning_rate"), ("batch size", "trainer.batch_size"), ("gradient clip", "trainer.grad_clip"),
        ("beta", "trainer.beta"), ("alpha", "trainer.alpha"), ("gamma", "trainer.gamma"), ("top-k", "trainer.top_k"),
    ];

    private static void Check(LoopConfig c, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            var key = LoopConfigKeys.All.FirstOrDefault(k => e.Message.Contains(k.Path, StringComparison.Ordinal))?.Path
                ?? TrainingWords.FirstOrDefault(w => e.Message.Contains(w.Words, StringComparison.Ordinal)).Key;
            throw key is null ? new CliException(e.Message) : c.Bad(key, e.Message);
        }
    }
}
