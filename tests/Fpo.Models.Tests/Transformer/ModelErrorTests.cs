using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Transformer;

/// <summary>Bad configs and bad inputs fail with messages that say what was wrong.</summary>
public class ModelErrorTests
{
    private static readonly ModelConfig Llama = new()
    {
        Family = ModelConfig.Llama, VocabSize = 10, MaxPositions = 8, Layers = 1, Channels = 8, Heads = 2, KvHeads = 2,
        HiddenSize = 16, NormEps = 1e-6f, QkvBias = false, TiedEmbeddings = true,
    };

    [Theory]
    [InlineData(6, 4, 2, "Channels (6) must be divisible by Heads (4)")]
    [InlineData(8, 4, 3, "Heads (4) must be divisible by KvHeads (3)")]
    [InlineData(12, 4, 2, "RoPE needs an even head size, got 3")]
    [InlineData(0, 4, 2, "Channels is 0, must be positive")]
    public void InvalidConfigsAreRejected(int channels, int heads, int kvHeads, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => (Llama with { Channels = channels, Heads = heads, KvHeads = kvHeads }).Validate());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Gpt2RequiresItsFixedTraits()
    {
        var gpt2 = ModelConfig.CreateGpt2(10, 8, 1, 8, 2);
        Assert.Contains("TiedEmbeddings must be true", Assert.Throws<ArgumentException>(() => (gpt2 with { TiedEmbeddings = false }).Validate()).Message);
        Assert.Contains("Family is 'bert'", Assert.Throws<ArgumentException>(() => (gpt2 with { Family = "bert" }).Validate()).Message);
    }

    [Fact]
    public void SequencesLongerThanThePositionsAndUnknownTokensAreRejected()
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(vocabSize: 10, maxPositions: 8, layers: 1, channels: 8, heads: 2), seed: 1);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new int[9], 1, 9));
        Assert.Contains("position 8 is past the model's 8 positions", e.Message);
        var tokens = new int[8];
        tokens[5] = 10;
        Assert.Contains("tokens[5] = 10 is not a token id in [0, 10)", Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(tokens, 2, 4)).Message);
        tokens[5] = 0;
        model.Forward(tokens, 2, 4);
        var targets = Enumerable.Repeat(-1, 8).ToArray();
        Assert.Equal(0f, model.CrossEntropyLoss(targets));
        targets[2] = -2;
        Assert.Contains("targets[2] = -2 is neither -1", Assert.Throws<ArgumentOutOfRangeException>(() => model.CrossEntropyLoss(targets)).Message);
        Assert.Contains("expected B*T*C = 2*4*8 = 64", Assert.Throws<ArgumentException>(() => model.AddResidualGradient(0, new float[63])).Message);
    }

    [Fact]
    public void BackwardBeforeForwardIsAClearError()
    {
        var model = new TransformerModel(Llama, seed: 2);
        Assert.Contains("Forward", Assert.Throws<InvalidOperationException>(model.Backward).Message);
    }
}
