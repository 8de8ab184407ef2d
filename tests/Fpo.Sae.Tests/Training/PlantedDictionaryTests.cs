using Fpo.Sae.Training;

namespace Fpo.Sae.Tests.Training;

public sealed class PlantedDictionaryTests(ITestOutputHelper output)
{
    [Fact]
    public void TopKRecoversAPlantedSparseDictionary()
    {
        const int D = 32, N = 128, B = 256, Steps = 1500;
        var planted = new PlantedDictionary(D, N, active: 3, seed: 5);
        var config = new SaeConfig { Architecture = SaeArchitecture.TopK, InputSize = D, Latents = 2 * N, K = 3 };
        var settings = new SaeTrainingSettings { TotalTokens = (long)Steps * B, BatchSize = B, LearningRate = 2e-3f, Seed = 1 };
        var trainer = new SaeTrainer(config, settings, Steps, (long)Steps * B);
        var batch = new float[B * D];  // (B,D)
        var sample = new float[4 * B * D];
        planted.Fill(sample, 4 * B);
        trainer.Initialize(sample, 4 * B);
        var before = planted.MeanMaxCosine(trainer.Weights.DecoderWeight, config.Latents);
        SaeStepMetrics last = default;
        for (var s = 0; s < Steps; s++)
        {
            planted.Fill(batch, B);
            last = trainer.TrainStep(batch, B);
        }
        var after = planted.MeanMaxCosine(trainer.Weights.DecoderWeight, config.Latents);
        output.WriteLine($"mean max cosine of planted to learned directions: {after:F4} (at init {before:F4}); last MSE {last.Mse:F4}, L0 {last.L0:F2}, dead {last.DeadFraction:P1}");
        Assert.True(after >= 0.9, $"mean max cosine {after:F4} < 0.9");
        Assert.Equal(3, last.L0, 6);
    }
}
