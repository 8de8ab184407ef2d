using Fpo.Models.Transformer;
using Fpo.Sae.Lens;
using Fpo.Testing;

namespace Fpo.Sae.Tests.Lens;

/// <summary>The logit lens of every latent of a tiny random SAE through a GPT-2 (LayerNorm, tied) and a Llama (RMSNorm,
/// untied) unembedding, against tests/reference/sae_logit_lens.py.</summary>
public sealed class FeatureLogitLensTests
{
    private const int V = 37, C = 8, F = 5;

    [Theory]
    [InlineData(ModelConfig.Gpt2, "logits_gpt2")]
    [InlineData(ModelConfig.Llama, "logits_llama")]
    public void LogitsMatchPyTorch(string family, string expectedName)
    {
        using var golden = GoldenFile.Open("sae_logit_lens.safetensors");
        var model = Model(family, golden.ReadFloat32("w_u"), golden.ReadFloat32("g"));
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = C, Latents = F, Layer = 1 });
        golden.ReadFloat32("w_dec").CopyTo(sae.DecoderWeight, 0);
        var expected = golden.ReadFloat32(expectedName); // (F, V)
        for (var j = 0; j < F; j++)
        {
            var want = expected[(j * V)..((j + 1) * V)];
            TensorComparison.AssertClose($"{family} latent {j}", FeatureLogitLens.Logits(model, sae, j), want);
            var top = FeatureLogitLens.Top(model, sae, j, 4);
            var order = Enumerable.Range(0, V).OrderByDescending(v => want[v]).ToArray();
            Assert.Equal(order[..4], top.Promoted.Select(t => t.TokenId));
            Assert.Equal(order[^4..].Reverse(), top.Suppressed.Select(t => t.TokenId));
            Assert.True(top.Promoted[0].Logit > top.Promoted[3].Logit && top.Suppressed[0].Logit < top.Suppressed[3].Logit);
        }
    }

    [Fact]
    public void AnSaeOfTheWrongWidthIsRefused()
    {
        var model = Model(ModelConfig.Gpt2, new float[V * C], new float[C]);
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = C + 1, Latents = F });
        Assert.StartsWith("logit lens: SAE d_in is 9 but the model's residual stream has 8 channels",
            Assert.Throws<ArgumentException>(() => FeatureLogitLens.Logits(model, sae, 0)).Message, StringComparison.Ordinal);
    }

    private static TransformerModel Model(string family, float[] unembedding, float[] gain)
    {
        var config = family == ModelConfig.Gpt2
            ? ModelConfig.CreateGpt2(vocabSize: V, maxPositions: 4, layers: 2, channels: C, heads: 2)
            : new ModelConfig
            {
                Family = ModelConfig.Llama, VocabSize = V, MaxPositions = 4, Layers = 2, Channels = C, Heads = 2, KvHeads = 2,
                HiddenSize = 16, NormEps = 1e-6f, QkvBias = false, TiedEmbeddings = false,
            };
        var model = new TransformerModel(config, seed: 3);
        unembedding.CopyTo(model.Layout.LmHead.In(model.Parameters));
        gain.CopyTo(model.Layout.Lnfw.In(model.Parameters));
        return model;
    }
}
