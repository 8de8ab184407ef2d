using System.Numerics.Tensors;
using Fpo.Models.Optimization;
using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Training;

/// <summary>
/// Trains one SAE a batch at a time: input normalisation, the sparsity-coefficient and learning-rate schedules, one
/// <see cref="SaeTrainingPass"/> forward and backward, the decoder-norm constraint where the architecture has one, and
/// one Adam per tensor (β₂ 0.999, no weight decay: the sparsity losses already regularise, and decay would shrink
/// the decoder rows the L1 is weighted by). Also keeps the dead-latent ages and, for BatchTopK, the moving average of
/// the smallest active code that becomes the inference threshold.
/// </summary>
public sealed class SaeTrainer
{
    private readonly SaeTrainingPass _pass;
    private readonly SaeWeights _grads;
    private readonly (string Name, AdamW Optimizer, float[] Gradient)[] _optimizers;

    public SaeTrainer(SaeConfig config, SaeTrainingSettings settings, int totalSteps, long runTokens)
    {
        Settings = settings.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        Weights = new SaeWeights(config);
        _grads = new SaeWeights(config);
        _pass = new SaeTrainingPass(Weights, settings.Losses, settings.BatchSize);
        Schedule = new SaeSchedule(settings, totalSteps);
        Tracker = new DeadLatentTracker(config.Latents, settings.DeadWindowFor(runTokens));
        var adam = new AdamWSettings { Beta1 = settings.Beta1, Beta2 = settings.Beta2, WeightDecay = 0 };
        List<(string, float[], float[])> tensors =
        [
            ("W_enc", Weights.EncoderWeight, _grads.EncoderWeight), ("b_enc", Weights.EncoderBias, _grads.EncoderBias),
            ("W_dec", Weights.DecoderWeight, _grads.DecoderWeight), ("b_dec", Weights.DecoderBias, _grads.DecoderBias),
        ];
        // BatchTopK's threshold is not learned by gradient: it is the moving average kept below.
        if (config.Architecture == SaeArchitecture.JumpReLU) tensors.Add(("threshold", Weights.Threshold, _grads.Threshold));
        _optimizers = [.. tensors.Select(t => (t.Item1, new AdamW(t.Item2, t.Item3, [new ParameterGroup(0, t.Item2.Length, false)], adam), t.Item3))];
    }

    public SaeTrainingSettings Settings { get; }
    public SaeWeights Weights { get; }
    public SaeSchedule Schedule { get; }
    public DeadLatentTracker Tracker { get; }

    /// <summary>s with which every batch is multiplied before the step (1 without normalisation).</summary>
    public float InputScale { get; internal set; } = 1f;

    /// <summary>BatchTopK: the moving average of the smallest active code (0 before the first step).</summary>
    public float ThresholdAverage { get; internal set; }

    /// <summary>Steps taken.</summary>
    public int Step { get; internal set; }

    public long TokensTrained { get; internal set; }

    /// <summary>Each tensor's name and Adam state, for checkpoints.</summary>
    public IEnumerable<(string Name, AdamW Optimizer)> Optimizers => _optimizers.Select(o => (o.Name, o.Optimizer));

    /// <summary>Sets the input scale from a sample (N,D) of raw activations and initialises the weights from it.</summary>
    public void Initialize(ReadOnlySpan<float> rawSample, int N)
    {
        var D = Weights.Config.InputSize;
        var sample = rawSample[..(N * D)].ToArray();  // (N,D)
        InputScale = Settings.NormalizeInput ? InputNormalization.EstimateScale(sample, D) : 1f;
        TensorPrimitives.Multiply(sample, InputScale, sample);
        SaeInitializer.Initialize(Weights, Settings, sample, N);
    }

    /// <summary>One optimizer step on <paramref name="batch"/> (B,D) of raw activations, which is scaled in place.</summary>
    public SaeStepMetrics TrainStep(float[] batch, int B)
    {
        var c = Weights.Config;
        int D = c.InputSize, F = c.Latents;
        if (B != Settings.BatchSize) throw new ArgumentException($"SAE trainer: a batch of {B} rows, the settings say {Settings.BatchSize}", nameof(B));
        var span = batch.AsSpan(0, B * D);
        if (InputScale != 1f) TensorPrimitives.Multiply(span, InputScale, span);

        var coefficientScale = Schedule.SparsityScale(Step);
        var losses = Settings.Losses;
        _pass.Losses = losses with { L1Coefficient = losses.L1Coefficient * coefficientScale, L0Coefficient = losses.L0Coefficient * coefficientScale };
        var result = _pass.Forward(batch, B, Tracker.Dead);
        foreach (var (_, _, gradient) in _optimizers) Array.Clear(gradient);
        _pass.Backward(_grads, []);

        var constrained = DecoderNormConstraint.Applies(c.Architecture);
        if (constrained) DecoderNormConstraint.RemoveParallelGradient(_grads.DecoderWeight, Weights.DecoderWeight, F, D);
        var lr = Schedule.LearningRate(Step);
        foreach (var (_, optimizer, _) in _optimizers) optimizer.Step(lr);
        if (constrained) DecoderNormConstraint.NormalizeRows(Weights.DecoderWeight, F, D);
        // A negative threshold would pass negative pre-activations; 0 is the ReLU it started near.
        if (c.Architecture == SaeArchitecture.JumpReLU)
            for (var j = 0; j < F; j++) Weights.Threshold[j] = MathF.Max(Weights.Threshold[j], 0f);
        if (c.Architecture == SaeArchitecture.BatchTopK)
        {
            var smallest = BatchTopKActivation.SmallestActive(_pass.Codes);
            var m = Settings.ThresholdMomentum;
            ThresholdAverage = Step == 0 ? smallest : m * ThresholdAverage + (1 - m) * smallest;
        }
        Tracker.Update(_pass.Codes, B);
        Step++;
        TokensTrained += B;
        var coefficient = c.Architecture switch
        {
            SaeArchitecture.ReLU => _pass.Losses.L1Coefficient,
            SaeArchitecture.JumpReLU => _pass.Losses.L0Coefficient,
            _ => 0f,
        };
        return new SaeStepMetrics(Step, result.Reconstruction, result.Sparsity, result.AuxK, result.MeanL0, Tracker.DeadFraction, lr, coefficient);
    }

    /// <summary>
    /// The SAE as it is saved: a copy that reads raw activations (the input scale folded in), BatchTopK with its
    /// moving-average threshold in every latent (saved as JumpReLU, so inference is per token).
    /// </summary>
    public SaeWeights ForInference()
    {
        var w = new SaeWeights(Weights.Config);
        Weights.EncoderWeight.CopyTo(w.EncoderWeight, 0);
        Weights.EncoderBias.CopyTo(w.EncoderBias, 0);
        Weights.DecoderWeight.CopyTo(w.DecoderWeight, 0);
        Weights.DecoderBias.CopyTo(w.DecoderBias, 0);
        Weights.Threshold.CopyTo(w.Threshold, 0);
        if (w.Config.Architecture == SaeArchitecture.BatchTopK) Array.Fill(w.Threshold, ThresholdAverage);
        if (InputScale != 1f) InputNormalization.Fold(w, InputScale);
        return w;
    }
}
