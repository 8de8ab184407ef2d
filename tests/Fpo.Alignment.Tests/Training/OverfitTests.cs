using Fpo.Alignment.Batching;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Alignment.Tests.Training;

/// <summary>32 fixed pairs on a tiny model: every method drives the preference accuracy on them to 100% and its loss well down
/// (40 full-batch AdamW steps; the reference is the initial policy, as in training from an SFT model).</summary>
public class OverfitTests
{
    private const int Pairs = 32, Steps = 40, Seed = 5;
    private static readonly ModelConfig Config = TinyPreferenceData.Config;

    [Theory]
    [InlineData("dpo")]
    [InlineData("simpo")]
    [InlineData("tdpo1")]
    [InlineData("tdpo2")]
    [InlineData("fpo")]
    public void EveryMethodLearnsAll32Preferences(string method)
    {
        var policy = new TransformerModel(Config, Seed);
        var reference = new TransformerModel(Config, Seed);
        var sae = RandomSae(reference);
        var pairs = new ReferenceComputation(reference, sae, "random").Compute(MakePairs());
        var batch = PreferenceBatch.Create(pairs, Config.MaxPositions);
        var settings = PreferenceLossSettings.Default(method);
        var step = new PreferenceStep(policy, settings, reference, sae);
        var adam = AdamW.For(policy, new AdamWSettings { WeightDecay = 0 });

        var first = step.Evaluate(batch);
        for (var s = 0; s < Steps; s++)
        {
            policy.ZeroGrad();
            var m = step.Run(batch);
            if (s % 10 == 0) Console.WriteLine($"{method} step {s}: loss {m.Loss:F4} accuracy {m.Accuracy:P0}");
            adam.Step(1e-2f, GradientClipping.ClipScale(GradientClipping.GlobalNorm(policy.Gradients), 1f));
        }
        var metrics = step.Evaluate(batch);
        Console.WriteLine($"{method}: accuracy {first.Accuracy:P0} -> {metrics.Accuracy:P0} in {Steps} steps, loss {first.Loss:F4} -> {metrics.Loss:F4}, margin {metrics.Margin:F4}"
            + (metrics.FeatureDivergenceRejected is { } d ? $", D_fpo chosen {metrics.FeatureDivergenceChosen:F4} rejected {d:F4}" : "")
            + (metrics.SequenceKlRejected is { } kl ? $", KL chosen {metrics.SequenceKlChosen:F4} rejected {kl:F4}" : ""));
        Assert.True(first.Accuracy < 1f, "the untrained policy must not already prefer every chosen response");
        Assert.Equal(1f, metrics.Accuracy);
        Assert.True(metrics.Loss < 0.7f * first.Loss, $"loss {first.Loss} -> {metrics.Loss}: the preferences are not being fitted");
    }

    [Fact]
    public void AStepRefusesWhatItsMethodCannotRunWith()
    {
        var policy = new TransformerModel(Config, Seed);
        Assert.Contains("needs the reference model", Assert.Throws<ArgumentException>(() => new PreferenceStep(policy, new Tdpo2Settings())).Message, StringComparison.Ordinal);
        Assert.Contains("separate frozen model", Assert.Throws<ArgumentException>(() => new PreferenceStep(policy, new Tdpo1Settings(), policy)).Message, StringComparison.Ordinal);
        Assert.Contains("fpo needs the SAE", Assert.Throws<ArgumentException>(() => new PreferenceStep(policy, new FpoSettings())).Message, StringComparison.Ordinal);
        var narrow = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 16, Latents = 8 });
        Assert.Contains("the SAE reads 16 channels", Assert.Throws<ArgumentException>(() => new PreferenceStep(policy, new FpoSettings(), sae: narrow)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown preference method 'ipo'", Assert.Throws<ArgumentException>(() => PreferenceLossSettings.Default("ipo")).Message, StringComparison.Ordinal);

        var step = new PreferenceStep(policy, new FpoSettings(), sae: RandomSae(policy));
        var withoutFeatures = new ReferenceComputation(new TransformerModel(Config, Seed)).Compute(MakePairs());
        var e = Assert.Throws<InvalidOperationException>(() => step.Run(PreferenceBatch.Create(withoutFeatures, Config.MaxPositions)));
        Assert.Contains("pair 'pair-0' has no reference SAE features", e.Message, StringComparison.Ordinal);
    }

    private static List<PreferencePair> MakePairs() => TinyPreferenceData.Pairs(Pairs);

    private static SaeWeights RandomSae(TransformerModel model) => TinyPreferenceData.Sae(model);
}
