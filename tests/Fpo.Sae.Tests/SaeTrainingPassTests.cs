namespace Fpo.Sae.Tests;

/// <summary>Inference encoding and the pass's input checks.</summary>
public sealed class SaeTrainingPassTests
{
    private static SaeWeights JumpReLUWeights()
    {
        // One input; latent j's pre-activation is x·1 + 0 and its threshold 0.5: x = 0.45 sits inside the band below it.
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = 1, Latents = 2, Bandwidth = 0.2f, ApplyDecoderBiasToInput = false });
        weights.EncoderWeight[0] = 1f;
        weights.EncoderWeight[1] = 2f;
        weights.Threshold[0] = 0.5f;
        weights.Threshold[1] = 0.5f;
        weights.DecoderWeight[0] = 1f;
        weights.DecoderWeight[1] = 1f;
        return weights;
    }

    [Fact]
    public void JumpReLUListsBelowThresholdLatentsOnlyInTraining()
    {
        var pass = new SaeTrainingPass(JumpReLUWeights(), new SaeLossSettings(), 1);
        var codes = pass.Encode([0.45f], 1);
        Assert.Equal([1], codes.Latent[..codes.Count]);
        Assert.Equal([0.9f], codes.Value[..codes.Count]);

        var losses = pass.Forward([0.45f], 1, []);
        Assert.Equal([0, 1], pass.Codes.Latent[..pass.Codes.Count]);
        Assert.Equal([0f, 0.9f], pass.Codes.Value[..pass.Codes.Count]);
        Assert.Equal(1.0, losses.MeanL0);
        var grads = new SaeWeights(pass.Weights.Config);
        pass.Backward(grads, []);
        Assert.True(grads.Threshold[0] != 0, "the latent 0.05 below its threshold gets a straight-through threshold gradient");
    }

    [Fact]
    public void RejectsBatchesAndMasksOfTheWrongSize()
    {
        var pass = new SaeTrainingPass(JumpReLUWeights(), new SaeLossSettings(), 2);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => pass.Forward([1f, 2f, 3f], 3, []));
        Assert.Contains("batch of 3 tokens", tooMany.Message);
        var shortInput = Assert.Throws<ArgumentException>(() => pass.Forward([1f], 2, []));
        Assert.Contains("SAE input has 1 values", shortInput.Message);
        var mask = Assert.Throws<ArgumentException>(() => pass.Forward([1f], 1, new bool[5]));
        Assert.Contains("dead-latent mask has 5 entries, d_sae is 2", mask.Message);
    }
}
