using Fpo.Alignment.Losses;
using Fpo.Models.Optimization;

namespace Fpo.Alignment.Training;

/// <summary>
/// Hyper-parameters of a preference-training run; saved with each checkpoint so a resumed run continues the same
/// schedule and data order. The loss's own (β, α, γ, k) default per method to its published values (null = the method's default).
/// The optimisation defaults follow the DPO/SimPO recipes: AdamW (0.9, 0.999, no weight decay), 10% linear warmup then
/// cosine decay to 0, global-norm clip 1, one epoch.
/// </summary>
public sealed record PreferenceTrainingSettings
{
    public static readonly string[] Methods = ["fpo", "dpo", "simpo", "tdpo1", "tdpo2"];

    public string Method { get; init; } = "fpo";
    public float? Beta { get; init; }
    /// <summary>TDPO2 and FPO: weight of the divergence term.</summary>
    public float? Alpha { get; init; }
    /// <summary>SimPO: target margin in absolute units.</summary>
    public float? Gamma { get; init; }
    /// <summary>FPO: k of I_k.</summary>
    public int? TopK { get; init; }
    /// <summary>FPO: I_k = the policy's top-k alone (the official code) instead of the union with the reference's.</summary>
    public bool PolicyOnlyTopK { get; init; }

    public float LearningRate { get; init; } = 1e-6f;
    /// <summary>"cosine" (to <see cref="MinLearningRateRatio"/> × lr at the last step) or "constant", after the warmup.</summary>
    public string Schedule { get; init; } = "cosine";
    public float MinLearningRateRatio { get; init; }
    /// <summary>Linear warmup as a fraction of the total steps.</summary>
    public float WarmupFraction { get; init; } = 0.1f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Eps { get; init; } = 1e-8f;
    public float WeightDecay { get; init; }
    public float GradientClip { get; init; } = 1f;

    /// <summary>Pairs per step.</summary>
    public int BatchSize { get; init; } = 8;
    public int Epochs { get; init; } = 1;
    /// <summary>Total steps; 0 = <see cref="Epochs"/> passes over the training pairs.</summary>
    public int Steps { get; init; }
    /// <summary>Seed of the held-out split and of each epoch's batch order.</summary>
    public int Seed { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 100;
    /// <summary>Share of the pairs held out for the evaluation metrics (0: none).</summary>
    public float HeldOutFraction { get; init; } = 0.05f;
    public int EvalEvery { get; init; } = 50;

    /// <summary>The loss settings: the method's defaults with the given overrides.</summary>
    public PreferenceLossSettings Loss()
    {
        var loss = PreferenceLossSettings.Default(Method);
        return loss switch
        {
            DpoSettings d => d with { Beta = Beta ?? d.Beta },
            SimPoSettings s => s with { Beta = Beta ?? s.Beta, Gamma = Gamma ?? s.Gamma },
            Tdpo1Settings t => t with { Beta = Beta ?? t.Beta },
            Tdpo2Settings t => t with { Beta = Beta ?? t.Beta, Alpha = Alpha ?? t.Alpha },
            FpoSettings f => f with { Beta = Beta ?? f.Beta, Alpha = Alpha ?? f.Alpha, TopK = TopK ?? f.TopK, PolicyOnlyTopK = PolicyOnlyTopK },
            _ => loss,
        };
    }

    public AdamWSettings AdamW() => new() { Beta1 = Beta1, Beta2 = Beta2, Eps = Eps, WeightDecay = WeightDecay };

    public LearningRateSchedule LearningRates(int totalSteps)
    {
        var warmup = (int)Math.Round(WarmupFraction * totalSteps);
        return Schedule == "constant"
            ? LearningRateSchedule.Constant(LearningRate, warmup)
            : LearningRateSchedule.WarmupCosine(LearningRate, warmup, totalSteps, LearningRate * MinLearningRateRatio);
    }

    /// <summary>Rejects settings that cannot run, naming the setting and the rule; options a method does not read are errors.</summary>
    public PreferenceTrainingSettings Validate()
    {
        Require(Array.IndexOf(Methods, Method) >= 0, $"unknown method '{Method}' (expected {string.Join(", ", Methods)})");
        Require(Beta is null || (Beta > 0 && float.IsFinite(Beta.Value)), $"beta must be positive (got {Beta})");
        Require(Alpha is null || (Alpha >= 0 && float.IsFinite(Alpha.Value)), $"alpha must be >= 0 (got {Alpha})");
        Require(Alpha is null || Method is "fpo" or "tdpo2", $"alpha is a setting of fpo and tdpo2, not of {Method}");
        Require(Gamma is null || Method == "simpo", $"gamma is a setting of simpo, not of {Method}");
        Require(Gamma is null || float.IsFinite(Gamma.Value), $"gamma must be finite (got {Gamma})");
        Require(TopK is null || Method == "fpo", $"top-k is a setting of fpo, not of {Method}");
        Require(!PolicyOnlyTopK || Method == "fpo", $"policy-only top-k is a setting of fpo, not of {Method}");
        Require(TopK is null or >= 1, $"top-k must be at least 1 (got {TopK})");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"learning rate must be positive (got {LearningRate})");
        Require(Schedule is "cosine" or "constant", $"schedule must be cosine or constant (got '{Schedule}')");
        Require(MinLearningRateRatio is >= 0 and <= 1, $"min learning-rate ratio must be in [0, 1] (got {MinLearningRateRatio})");
        Require(WarmupFraction is >= 0 and < 1, $"warmup fraction must be in [0, 1) (got {WarmupFraction})");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, $"AdamW betas must be in [0, 1) (got {Beta1}, {Beta2})");
        Require(Eps > 0, $"AdamW eps must be positive (got {Eps})");
        Require(WeightDecay >= 0, $"weight decay must be >= 0 (got {WeightDecay})");
        Require(GradientClip > 0, $"gradient clip must be positive (got {GradientClip})");
        Require(BatchSize >= 1, $"batch size must be at least 1 pair (got {BatchSize})");
        Require(Epochs >= 1, $"epochs must be at least 1 (got {Epochs})");
        Require(Steps >= 0, $"steps must be >= 0 (0 = from epochs; got {Steps})");
        Require(CheckpointEvery >= 1, $"checkpoint interval must be at least 1 (got {CheckpointEvery})");
        Require(HeldOutFraction is >= 0 and < 0.5f, $"held-out fraction must be in [0, 0.5) (got {HeldOutFraction})");
        Require(EvalEvery >= 1, $"evaluation interval must be at least 1 (got {EvalEvery})");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
