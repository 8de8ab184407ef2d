namespace Fpo.Sae.Training;

/// <summary>
/// Hyperparameters of one SAE training run (the SAE's shape is its <see cref="SaeConfig"/>). Defaults follow SAELens and
/// the TopK and BatchTopK papers where they agree; each says why where it is a choice.
/// </summary>
public sealed record SaeTrainingSettings
{
    /// <summary>Tokens of the model's stream to train on (whole windows of <see cref="ContextSize"/>).</summary>
    public required long TotalTokens { get; init; }

    /// <summary>Activations per optimizer step (B).</summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>
    /// Peak Adam learning rate. 4e-4 is what OpenAI's TopK scaling fit (lr = 2e-4 / √(d_sae / 2^14)) gives for the
    /// 4,096 latents the CLI defaults to, and sits between SAELens' 3e-4 default and the larger rates BatchTopK runs use;
    /// it assumes normalised inputs (mean norm √d_in), which make it transfer across models and layers.
    /// </summary>
    public float LearningRate { get; init; } = 4e-4f;

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Linear learning-rate warmup; null means 1% of the steps (at least one).</summary>
    public int? WarmupSteps { get; init; }

    /// <summary>The last fraction of the steps over which the learning rate falls linearly towards 0 (Anthropic's recipe).</summary>
    public float DecayFraction { get; init; } = 0.2f;

    /// <summary>The first fraction of the steps over which the sparsity coefficient (ReLU's L1, JumpReLU's L0) ramps from 0,
    /// so latents are not killed before the decoder has found directions worth keeping.</summary>
    public float SparsityWarmupFraction { get; init; } = 0.05f;

    public SaeLossSettings Losses { get; init; } = new();

    /// <summary>A latent that has not fired for more than this many tokens is dead (AuxK's target and the dead % metric);
    /// 10M as OpenAI and SAELens. The effective window is at most a quarter of the run, so short runs still report.</summary>
    public long DeadWindowTokens { get; init; } = 10_000_000;

    /// <summary>Norm of each initial decoder row (ReLU, JumpReLU; TopK and BatchTopK keep unit rows).</summary>
    public float DecoderInitNorm { get; init; } = 0.1f;

    public DecoderBiasInit DecoderBiasInit { get; init; } = DecoderBiasInit.GeometricMedian;

    /// <summary>Scale inputs to mean norm √d_in during training (folded into the saved weights).</summary>
    public bool NormalizeInput { get; init; } = true;

    /// <summary>
    /// JumpReLU's initial threshold, as Gemma Scope: with normalised inputs pre-activations are O(1), so 0.001 lets
    /// nearly every positive pre-activation through at first (the SAE starts as a ReLU SAE) and the L0 penalty raises
    /// the thresholds from there; it equals the default bandwidth, the scale the straight-through estimator sees.
    /// </summary>
    public float JumpReLUInitThreshold { get; init; } = 0.001f;

    /// <summary>Momentum of BatchTopK's moving average of the smallest active code (SAELens' topk_threshold_lr is 1 − this).</summary>
    public float ThresholdMomentum { get; init; } = 0.99f;

    /// <summary>Tokens per harvested window: each window is a fresh context.</summary>
    public int ContextSize { get; init; } = 128;

    /// <summary>Windows run through the model per harvesting pass.</summary>
    public int WindowsPerPass { get; init; } = 8;

    /// <summary>Rows of the shuffling activation buffer; null means max(8·B, one pass + B).</summary>
    public int? BufferRows { get; init; }

    public int Seed { get; init; }

    /// <summary>Steps between checkpoints (the last two are kept).</summary>
    public int CheckpointEvery { get; init; } = 1000;

    public int EffectiveBufferRows => BufferRows ?? Math.Max(8 * BatchSize, WindowsPerPass * ContextSize + BatchSize);

    /// <summary>Optimizer steps of a run whose stream has <paramref name="availableTokens"/> tokens: every whole window
    /// is harvested, and a last remainder of fewer than B activations is dropped.</summary>
    public int StepsFor(long availableTokens)
    {
        var windows = Math.Min(availableTokens, TotalTokens) / ContextSize;
        return (int)Math.Min(int.MaxValue, windows * ContextSize / BatchSize);
    }

    public int WarmupFor(int steps) => WarmupSteps ?? Math.Max(1, steps / 100);

    /// <summary>The dead-latent window of a run over <paramref name="runTokens"/> tokens.</summary>
    public long DeadWindowFor(long runTokens) => Math.Min(DeadWindowTokens, Math.Max(BatchSize, runTokens / 4));

    /// <summary>Rejects settings that cannot run, naming the setting and the rule.</summary>
    public SaeTrainingSettings Validate()
    {
        Require(BatchSize >= 1, $"SAE batch size must be at least 1 (got {BatchSize})");
        Require(TotalTokens >= BatchSize, $"SAE training tokens ({TotalTokens}) must be at least one batch of {BatchSize}");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"SAE learning rate must be positive and finite (got {LearningRate})");
        Require(Beta1 is >= 0 and < 1, $"Adam beta1 must be in [0, 1) (got {Beta1})");
        Require(Beta2 is >= 0 and < 1, $"Adam beta2 must be in [0, 1) (got {Beta2})");
        Require(WarmupSteps is null or >= 0, $"warmup steps must be >= 0 (got {WarmupSteps})");
        Require(DecayFraction is >= 0 and <= 1, $"learning-rate decay fraction must be in [0, 1] (got {DecayFraction})");
        Require(SparsityWarmupFraction is >= 0 and <= 1, $"sparsity warmup fraction must be in [0, 1] (got {SparsityWarmupFraction})");
        Require(Losses.L1Coefficient >= 0 && float.IsFinite(Losses.L1Coefficient), $"L1 coefficient must be >= 0 and finite (got {Losses.L1Coefficient})");
        Require(Losses.L0Coefficient >= 0 && float.IsFinite(Losses.L0Coefficient), $"L0 coefficient must be >= 0 and finite (got {Losses.L0Coefficient})");
        Require(Losses.AuxKCoefficient >= 0 && float.IsFinite(Losses.AuxKCoefficient), $"AuxK coefficient must be >= 0 and finite (got {Losses.AuxKCoefficient})");
        Require(Losses.AuxKLatents >= 0, $"AuxK latents must be >= 0 (got {Losses.AuxKLatents})");
        Require(DeadWindowTokens >= 1, $"dead-latent window must be at least 1 token (got {DeadWindowTokens})");
        Require(DecoderInitNorm > 0 && float.IsFinite(DecoderInitNorm), $"decoder init norm must be positive and finite (got {DecoderInitNorm})");
        Require(Enum.IsDefined(DecoderBiasInit), $"decoder bias init {(int)DecoderBiasInit} is unknown");
        Require(JumpReLUInitThreshold >= 0 && float.IsFinite(JumpReLUInitThreshold), $"JumpReLU initial threshold must be >= 0 and finite (got {JumpReLUInitThreshold})");
        Require(ThresholdMomentum is >= 0 and < 1, $"BatchTopK threshold momentum must be in [0, 1) (got {ThresholdMomentum})");
        Require(ContextSize >= 1, $"context size must be at least 1 (got {ContextSize})");
        Require(WindowsPerPass >= 1, $"windows per pass must be at least 1 (got {WindowsPerPass})");
        var minRows = (long)WindowsPerPass * ContextSize + BatchSize;
        Require(EffectiveBufferRows >= minRows, $"the activation buffer ({EffectiveBufferRows} rows) must hold one pass of {WindowsPerPass} x {ContextSize} tokens plus a batch of {BatchSize}: at least {minRows}");
        Require(CheckpointEvery >= 1, $"checkpoint interval must be at least 1 step (got {CheckpointEvery})");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
