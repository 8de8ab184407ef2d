using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Transformer;

public class ParameterTensorsTests
{
    [Fact]
    public void Gpt2SmallHasItsKnownParameterCount()
    {
        var layout = new ParameterTensors(ModelConfig.CreateGpt2(50257, 1024, 12, 768, 12));
        Assert.Equal(124_439_808, layout.Count);
        Assert.Equal(layout.Count, layout.All.Sum(p => p.View.Length));
        Assert.Equal(layout.Wte, layout.LmHead);
    }

    [Fact]
    public void OnlyMatricesDecay()
    {
        var config = new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = 10, MaxPositions = 8, Layers = 3, Channels = 8, Heads = 2, KvHeads = 1,
            HiddenSize = 16, NormEps = 1e-6f, QkvBias = true, TiedEmbeddings = false,
        };
        var decays = new ParameterTensors(config).All.ToDictionary(p => p.Name, p => p.Decays);
        Assert.Equal(["wte", "qkvw", "attprojw", "fcw", "upw", "fcprojw", "lm_head"], decays.Where(d => d.Value).Select(d => d.Key));
        Assert.Equal(["ln1w", "qkvb", "ln2w", "lnfw"], decays.Where(d => !d.Value).Select(d => d.Key));
    }
}
