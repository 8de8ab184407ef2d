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

    [Fact]
    public void BatchTopKEncodesWithItsGlobalThresholdAtInference()
    {
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.BatchTopK, InputSize = 1, Latents = 3, K = 1, ApplyDecoderBiasToInput = false });
        weights.EncoderWeight[0] = 1f;
        weights.EncoderWeight[1] = 2f;
        weights.EncoderWeight[2] = 3f;
        var pass = new SaeTrainingPass(weights, new SaeLossSettings(), 2);
        pass.Forward([1f, 0.1f], 2, []);
        Assert.Equal([2f, 3f], pass.Codes.Value[..pass.Codes.Count]);  // the batch's two largest, both from the first token
        Assert.Equal(2f, BatchTopKActivation.SmallestActive(pass.Codes));

        Array.Fill(weights.Threshold, 0.25f);
        var codes = pass.Encode([1f, 0.1f], 2);
        Assert.Equal([0, 3, 4], codes.RowStart[..3]);  // the second token now keeps its own 0.3
        Assert.Equal([1f, 2f, 3f, 0.3f], codes.Value[..codes.Count].Select(v => MathF.Round(v, 5)));
    }
}
