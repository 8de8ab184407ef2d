using System.Numerics.Tensors;
using Fpo.Sae.Training;

namespace Fpo.Sae.Tests.Training;

public sealed class SaeTrainerTests(ITestOutputHelper output)
{
    private const int D = 32, N = 96, B = 128;

    private static (SaeTrainer Trainer, PlantedDictionary Data) Train(SaeArchitecture architecture, int steps, int k = 0, SaeTrainingSettings? settings = null)
    {
        var data = new PlantedDictionary(D, N, active: 3, seed: 9);
        // offset the data far from the origin at a large norm, so normalisation and b_dec have work to do
        for (var d = 0; d < D; d++) data.Offset[d] *= 6;
        var config = new SaeConfig { Architecture = architecture, InputSize = D, Latents = 128, K = k };
        settings ??= new SaeTrainingSettings { TotalTokens = (long)steps * B, BatchSize = B, LearningRate = 2e-3f, Seed = 3 };
        var trainer = new SaeTrainer(config, settings, steps, (long)steps * B);
        var sample = new float[4 * B * D];
        data.Fill(sample, 4 * B);
        trainer.Initialize(sample, 4 * B);
        var batch = new float[B * D];
        for (var s = 0; s < steps; s++)
        {
            data.Fill(batch, B);
            trainer.TrainStep(batch, B);
        }
        return (trainer, data);
    }

    [Fact]
    public void TopKDecoderRowsStayUnitNormAndTheirGradientLosesItsParallelPart()
    {
        var (trainer, _) = Train(SaeArchitecture.TopK, 20, k: 4);
        var w = trainer.Weights;
        for (var f = 0; f < 128; f++) Assert.Equal(1f, TensorPrimitives.Norm(w.DecoderWeight.AsSpan(f * D, D)), 1e-5f);

        float[] weight = [0.6f, 0.8f, 0, 1], grad = [1, 1, 2, 3];  // rows of D = 2
        DecoderNormConstraint.RemoveParallelGradient(grad, weight, 2, 2);
        Assert.Equal(0f, grad[0] * 0.6f + grad[1] * 0.8f, 1e-6f);
        Assert.Equal([2f, 0], grad[2..]);
    }

    [Fact]
    public void ReLUDecoderRowsAreFreeAndStartAtTheInitNorm()
    {
        var config = new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = D, Latents = 16 };
        var w = new SaeWeights(config);
        var settings = new SaeTrainingSettings { TotalTokens = 1000, BatchSize = 10, DecoderInitNorm = 0.25f, DecoderBiasInit = DecoderBiasInit.Mean };
        var sample = new float[3 * D];
        sample.AsSpan(0, D).Fill(3);
        SaeInitializer.Initialize(w, settings, sample, 3);
        for (var f = 0; f < 16; f++) Assert.Equal(0.25f, TensorPrimitives.Norm(w.DecoderWeight.AsSpan(f * D, D)), 1e-5f);
        Assert.Equal(w.DecoderWeight, w.EncoderWeight);
        Assert.All(w.DecoderBias, b => Assert.Equal(1f, b, 1e-6f));
        Assert.All(w.EncoderBias, b => Assert.Equal(0f, b));
    }

    // The saved JumpReLU with the averaged threshold decides per token what BatchTopK decided per batch.
    [Fact]
    public void BatchTopKSavedAsJumpReLUReproducesTheTrainingCodesOnHeldOutData()
    {
        const int K = 3;
        var (trainer, data) = Train(SaeArchitecture.BatchTopK, 600, k: K);
        var inference = trainer.ForInference();
        Assert.All(inference.Threshold, t => Assert.Equal(trainer.ThresholdAverage, t));
        Assert.True(trainer.ThresholdAverage > 0);

        var x = new float[B * D];
        data.Fill(x, B);
        var batchCodes = Dense(new SaeTrainingPass(trainer.Weights, new SaeLossSettings(), B), Scaled(x, trainer.InputScale), training: true);
        var tokenCodes = Dense(new SaeTrainingPass(inference, new SaeLossSettings(), B), x, training: false);
        int both = 0, either = 0, inferenceActive = 0;
        for (var i = 0; i < batchCodes.Length; i++)
        {
            if (batchCodes[i] > 0 && tokenCodes[i] > 0) both++;
            if (batchCodes[i] > 0 || tokenCodes[i] > 0) either++;
            if (tokenCodes[i] > 0) inferenceActive++;
        }
        var jaccard = (double)both / either;
        var l0 = (double)inferenceActive / B;
        output.WriteLine($"threshold {trainer.ThresholdAverage:F4}; active-set Jaccard batch vs token {jaccard:F3}; per-token L0 {l0:F2} (k = {K})");
        Assert.True(jaccard >= 0.8, $"Jaccard {jaccard:F3} < 0.8");
        Assert.InRange(l0, 0.7 * K, 1.3 * K);
    }

    [Fact]
    public void FoldedNormalisationReconstructsRawInputsAsTheTrainedSaeDoesScaledOnes()
    {
        var (trainer, data) = Train(SaeArchitecture.ReLU, 30);
        Assert.NotEqual(1f, trainer.InputScale);
        var x = new float[B * D];
        data.Fill(x, B);
        var scaled = new SaeTrainingPass(trainer.Weights, new SaeLossSettings(), B);
        scaled.Forward(Scaled(x, trainer.InputScale), B, []);
        var raw = new SaeTrainingPass(trainer.ForInference(), new SaeLossSettings(), B);
        raw.Forward(x, B, []);
        var expected = Scaled(scaled.Reconstruction, 1 / trainer.InputScale);
        var worst = 0f;
        for (var i = 0; i < B * D; i++) worst = MathF.Max(worst, MathF.Abs(raw.Reconstruction[i] - expected[i]) / (1 + MathF.Abs(expected[i])));
        output.WriteLine($"scale {trainer.InputScale:F4}; max relative difference of raw vs unscaled reconstruction {worst:E2}");
        Assert.True(worst < 1e-4f, $"max relative difference {worst}");
    }

    [Fact]
    public void JumpReLUThresholdsStartAtTheirInitAndTrain()
    {
        var settings = new SaeTrainingSettings { TotalTokens = 40L * B, BatchSize = B, LearningRate = 2e-3f, Seed = 3, Losses = new SaeLossSettings { L0Coefficient = 0.5f } };
        var (trainer, _) = Train(SaeArchitecture.JumpReLU, 40, settings: settings);
        Assert.Contains(trainer.Weights.Threshold, t => t != 0.001f);
        Assert.All(trainer.Weights.Threshold, t => Assert.True(t >= 0));
    }

    [Fact]
    public void ScheduleWarmsUpHoldsAndDecaysAndRampsTheSparsityCoefficient()
    {
        var schedule = new SaeSchedule(new SaeTrainingSettings { TotalTokens = 1000, BatchSize = 10, LearningRate = 1f }, 100);
        Assert.Equal(1, schedule.WarmupSteps);
        Assert.Equal(80, schedule.DecayStart);
        Assert.Equal(1f, schedule.LearningRate(0));
        Assert.Equal(1f, schedule.LearningRate(79));
        Assert.Equal(0.5f, schedule.LearningRate(90), 1e-6f);
        Assert.Equal(0.05f, schedule.LearningRate(99), 1e-6f);
        Assert.Equal(0.2f, schedule.SparsityScale(0), 1e-6f);
        Assert.Equal(1f, schedule.SparsityScale(4));
        var warm = new SaeSchedule(new SaeTrainingSettings { TotalTokens = 1000, BatchSize = 10, LearningRate = 1f, WarmupSteps = 4 }, 100);
        Assert.Equal(0.5f, warm.LearningRate(1));
    }

    [Theory]
    [InlineData("batch", "SAE batch size must be at least 1 (got 0)")]
    [InlineData("tokens", "SAE training tokens (100) must be at least one batch of 4096")]
    [InlineData("lr", "SAE learning rate must be positive and finite (got -1)")]
    [InlineData("momentum", "BatchTopK threshold momentum must be in [0, 1) (got 1)")]
    [InlineData("buffer", "the activation buffer (100 rows) must hold one pass of 8 x 128 tokens plus a batch of 4096: at least 5120")]
    public void SettingsRejectWhatCannotRun(string field, string message)
    {
        var s = new SaeTrainingSettings { TotalTokens = 1_000_000 };
        s = field switch
        {
            "batch" => s with { BatchSize = 0 },
            "tokens" => s with { TotalTokens = 100 },
            "lr" => s with { LearningRate = -1 },
            "momentum" => s with { ThresholdMomentum = 1 },
            _ => s with { BufferRows = 100 },
        };
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => s.Validate()).Message);
        Assert.Equal(10_000_000, new SaeTrainingSettings { TotalTokens = 100_000_000 }.DeadWindowFor(100_000_000));
        Assert.Equal(250_000, new SaeTrainingSettings { TotalTokens = 1_000_000 }.DeadWindowFor(1_000_000));
    }

    private static float[] Scaled(float[] x, float s)
    {
        var y = (float[])x.Clone();
        TensorPrimitives.Multiply(y, s, y);
        return y;
    }

    private static float[] Dense(SaeTrainingPass pass, float[] x, bool training)
    {
        var F = pass.Weights.Config.Latents;
        if (training) pass.Forward(x, B, []);
        else pass.Encode(x, B);
        var dense = new float[B * F];
        pass.Codes.ToDense(dense, F);
        return dense;
    }
}
