using Fpo.Alignment.Explanations;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Alignment.Tests.Explanations;

public sealed class FeatureContextsTests
{
    private const int T = 16, Windows = 24;

    private static (TransformerModel Model, SaeWeights Sae, int[] Tokens) Setup()
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(50, maxPositions: 32, layers: 1, channels: 16, heads: 2), seed: 2);
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.TopK, K = 3, InputSize = 16, Latents = 8, Layer = 0 });
        var random = new Random(4);
        for (var i = 0; i < sae.DecoderWeight.Length; i++) sae.EncoderWeight[i] = sae.DecoderWeight[i] = (float)(random.NextDouble() - 0.5);
        var tokens = Enumerable.Range(0, Windows * T).Select(_ => random.Next(50)).ToArray();
        return (model, sae, tokens);
    }

    [Fact]
    public void ContextsAreRankedSplitDisjointAndPointIntoTheStream()
    {
        var (model, sae, tokens) = Setup();
        var settings = new FeatureContextSettings { ContextSize = T, Radius = 4, Explain = 5, HeldOutTop = 2, HeldOutRandom = 3, WindowsPerBatch = 5 };
        var latent = Enumerable.Range(0, 8).First(f => FeatureContexts.Collect(model, sae, f, tokens, settings).HeldOut.Count == 5);
        var c = FeatureContexts.Collect(model, sae, latent, tokens, settings);
        Assert.Equal(5, c.Explain.Count);
        Assert.Equal(Windows * T, c.TokensScanned);
        Assert.Equal(c.Explain[0].Activation, c.MaxActivation);
        Assert.True(c.Explain.Zip(c.Explain.Skip(1)).All(p => p.First.Activation >= p.Second.Activation));
        Assert.True(c.HeldOut.Take(2).All(h => h.Activation <= c.Explain[^1].Activation));
        Assert.Empty(c.Explain.Select(x => x.SourceId).Intersect(c.HeldOut.Select(x => x.SourceId)));
        foreach (var x in c.Explain.Concat(c.HeldOut))
        {
            Assert.True(x.Activation > 0);
            Assert.Equal(x.Activation, x.Activations[x.Position - x.WindowStart]);
            Assert.Equal(x.Activation, x.Activations.Max());
            Assert.InRange(x.TokenIds.Length, 5, 9);
            Assert.Equal(tokens.AsSpan((int)x.SourceId * T + x.WindowStart, x.TokenIds.Length).ToArray(), x.TokenIds);
        }
        // Windows are independent forwards, so batching them differently changes only GEMM rounding.
        var single = FeatureContexts.Collect(model, sae, latent, tokens, settings with { WindowsPerBatch = 1 });
        Assert.Equal(c.Explain.Concat(c.HeldOut).Select(x => x.SourceId), single.Explain.Concat(single.HeldOut).Select(x => x.SourceId));
        foreach (var (a, b) in c.Explain.Concat(c.HeldOut).Zip(single.Explain.Concat(single.HeldOut)))
            Assert.Equal(a.Activation, b.Activation, 1e-5f * a.Activation);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        var (model, sae, tokens) = Setup();
        Assert.Contains("feature 8 is not in [0, 8)", Assert.Throws<ArgumentOutOfRangeException>(() => FeatureContexts.Collect(model, sae, 8, tokens, new() { ContextSize = T })).Message);
        Assert.Contains("10 tokens do not make one window of 16", Assert.Throws<ArgumentException>(() => FeatureContexts.Collect(model, sae, 0, tokens.AsSpan(0, 10), new() { ContextSize = T })).Message);
        Assert.Contains("bad context settings", Assert.Throws<ArgumentException>(() => FeatureContexts.Collect(model, sae, 0, tokens, new() { ContextSize = T, Explain = 0 })).Message);
    }
}
