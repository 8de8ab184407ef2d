using Fpo.Models.Transformer;
using Fpo.Testing;

namespace Fpo.Models.Tests.Transformer;

public sealed class ResidualEditTests
{
    private const int B = 2, T = 5;
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(vocabSize: 40, maxPositions: 8, layers: 2, channels: 16, heads: 2);
    private static readonly int[] Tokens = [1, 5, 9, 2, 7, 30, 3, 3, 8, 0];

    [Fact]
    public void AnIdentityEditChangesNothingButBackwardRefusesAfterIt()
    {
        var model = new TransformerModel(Config, seed: 2);
        model.Forward(Tokens, B, T);
        var plain = model.Logits.ToArray();
        model.SetResidualEdit(0, (_, _) => { });
        model.Forward(Tokens, B, T);
        Assert.Equal(plain, model.Logits.ToArray());
        Assert.Contains("SetResidualEdit", Assert.Throws<InvalidOperationException>(model.Backward).Message);

        model.ClearResidualEdit();
        model.ForwardLoss(Tokens, Tokens, B, T);
        model.Backward();  // an unedited forward may be differentiated again
    }

    [Fact]
    public void ZeroAblatingTheLastLayerLeavesOnlyTheFinalNormBiasThroughTheHead()
    {
        // LayerNorm of a zero row is its bias, so every position's logits become ln_f.bias @ wte^T.
        var model = new TransformerModel(Config, seed: 3);
        var C = Config.Channels;
        var lnfb = model.Parameters.AsSpan(model.Layout.Lnfb.Offset, C).ToArray();
        for (var c = 0; c < C; c++) lnfb[c] = 0.1f * (c - 7);
        lnfb.CopyTo(model.Parameters.AsSpan(model.Layout.Lnfb.Offset, C));
        model.SetResidualEdit(Config.Layers - 1, (residual, _) => residual.Clear());
        model.Forward(Tokens, B, T);

        var wte = model.Parameters.AsSpan(model.Layout.Wte.Offset, Config.VocabSize * C);
        var row = new float[Config.VocabSize];
        for (var v = 0; v < Config.VocabSize; v++)
            for (var c = 0; c < C; c++) row[v] += lnfb[c] * wte[v * C + c];
        var expected = Enumerable.Range(0, B * T).SelectMany(_ => row).ToArray();
        TensorComparison.AssertClose("zero-ablated logits", model.Logits, expected, 1e-4f);
    }

    [Fact]
    public void RefusesALayerOutsideTheModel()
    {
        var model = new TransformerModel(Config, seed: 4);
        Assert.ThrowsAny<ArgumentException>(() => model.SetResidualEdit(2, (_, _) => { }));
    }
}
