using Fpo.Models.Transformer;
using Fpo.Testing;

namespace Fpo.Models.Tests.Transformer;

public sealed class SteeringTests
{
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(vocabSize: 50, maxPositions: 16, layers: 3, channels: 16, heads: 2);
    private static readonly int[][] Prompts = [[3, 9, 27, 4], [8, 1]];

    private static float[] Logits(TransformerModel model) => model.Prefill(model.CreateCache(2, 8), Prompts).ToArray();

    [Fact]
    public void SteeringALayerEqualsAddingTheVectorToItsLastBias()
    {
        // In GPT-2, resid_post[l] = resid_mid[l] + c_proj(h) + c_proj.bias, so a constant added to resid_post[l]
        // is the same as the same constant added to that bias.
        const int layer = 1;
        const float scale = 2.5f;
        var vector = Enumerable.Range(0, Config.Channels).Select(c => MathF.Sin(c)).ToArray();
        var steered = new TransformerModel(Config, seed: 3);
        steered.AddSteering(layer, vector, scale / 2);
        steered.AddSteering(layer, vector, scale / 2);  // accumulates
        var rebiased = new TransformerModel(Config, seed: 3);
        var bias = rebiased.Layout.FcProjb;
        for (var c = 0; c < Config.Channels; c++) rebiased.Parameters[bias.Offset + layer * Config.Channels + c] += scale * vector[c];

        var plain = Logits(new TransformerModel(Config, seed: 3));
        var expected = Logits(rebiased);
        TensorComparison.AssertClose("steered logits", Logits(steered), expected, 1e-4f);
        Assert.True(plain.Zip(expected).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the steering must move the logits");

        steered.ClearSteering();
        Assert.False(steered.IsSteered);
        Assert.Equal(plain, Logits(steered));
    }

    [Fact]
    public void TheCapturedResidualIsTheSteeredOne()
    {
        var model = new TransformerModel(Config, seed: 4);
        model.CaptureLayer = 0;
        Logits(model);
        var before = model.CapturedResidual.ToArray();
        var vector = new float[Config.Channels];
        vector[5] = 1;
        model.AddSteering(0, vector, 3);
        Logits(model);
        var after = model.CapturedResidual.ToArray();
        for (var i = 0; i < before.Length; i++) Assert.Equal(before[i] + (i % Config.Channels == 5 ? 3 : 0), after[i], 5);
    }

    [Fact]
    public void RefusesWrongWidthsLayersAndNonFiniteValues()
    {
        var model = new TransformerModel(Config, seed: 5);
        Assert.Contains("16 values", Assert.Throws<ArgumentException>(() => model.AddSteering(0, new float[15], 1)).Message);
        Assert.ThrowsAny<ArgumentException>(() => model.AddSteering(3, new float[16], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AddSteering(0, new float[16], float.NaN));
        var bad = new float[16];
        bad[2] = float.PositiveInfinity;
        Assert.Contains("channel 2", Assert.Throws<ArgumentException>(() => model.AddSteering(0, bad, 1)).Message);
        Assert.False(model.IsSteered);
    }
}
