namespace Fpo.Models.Training;

/// <summary>Hyper-parameters of a pre-training run; saved with each checkpoint so a resumed run continues the same schedule.</summary>
public sealed record PretrainSettings
{
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 8;
    public int SequenceLength { get; init; } = 128;
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Cosine decay ends at LearningRate * MinLearningRateRatio.</summary>
    public float MinLearningRateRatio { get; init; } = 0.1f;
    public int WarmupSteps { get; init; } = 50;
    public float WeightDecay { get; init; } = 0.1f;
    public float GradientClip { get; init; } = 1f;
    public int Seed { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 200;
    public int EvalEvery { get; init; } = 100;
    public int EvalBatches { get; init; } = 4;
    /// <summary>Share of the token stream, taken from its end, held out for the validation loss.</summary>
    public float ValidationFraction { get; init; } = 0.05f;

    /// <summary>Rejects settings that cannot run, with the name of the setting and the rule.</summary>
    public PretrainSettings Validate()
    {
        Require(Steps >= 1, $"steps must be at least 1 (got {Steps})");
        Require(BatchSize >= 1, $"batch size must be at least 1 (got {BatchSize})");
        Require(SequenceLength >= 2, $"sequence length must be at least 2 (got {SequenceLength})");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"learning rate must be positive (got {LearningRate})");
        Require(MinLearningRateRatio is >= 0 and <= 1, $"min learning-rate ratio must be in [0, 1] (got {MinLearningRateRatio})");
        Require(WarmupSteps >= 0, $"warmup steps must be >= 0 (got {WarmupSteps})");
        Require(WeightDecay >= 0, $"weight decay must be >= 0 (got {WeightDecay})");
        Require(GradientClip > 0, $"gradient clip must be positive (got {GradientClip})");
        Require(CheckpointEvery >= 1, $"checkpoint interval must be at least 1 (got {CheckpointEvery})");
        Require(EvalEvery >= 1, $"evaluation interval must be at least 1 (got {EvalEvery})");
        Require(EvalBatches >= 1, $"evaluation batches must be at least 1 (got {EvalBatches})");
        Require(ValidationFraction is > 0 and < 0.5f, $"validation fraction must be in (0, 0.5) (got {ValidationFraction})");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
