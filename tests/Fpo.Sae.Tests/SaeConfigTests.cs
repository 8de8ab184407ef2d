namespace Fpo.Sae.Tests;

public sealed class SaeConfigTests
{
    [Fact]
    public void WeightsHaveOneRowPerLatentInBothMatrices()
    {
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = 8, Latents = 32 });
        Assert.Equal(32 * 8, weights.EncoderWeight.Length);
        Assert.Equal(32 * 8, weights.DecoderWeight.Length);
        Assert.Equal(32, weights.Threshold.Length);
        Assert.Equal(8, weights.DecoderBias.Length);
    }
}
