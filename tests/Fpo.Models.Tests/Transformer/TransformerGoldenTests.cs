using Fpo.Models.Optimization;

namespace Fpo.Models.Tests.Transformer;

/// <summary>Logits, loss, every gradient, the residual hook and AdamW against tests/reference/model_{gpt2,llama}.py.</summary>
public class TransformerGoldenTests
{
    // Mirrors _model_golden.py.
    private const int HookLayer = 0;
    private const float Lr = 1e-2f, MaxNorm = 1f;
    private static readonly AdamWSettings Adam = new() { Beta1 = 0.9f, Beta2 = 0.95f, Eps = 1e-8f, WeightDecay = 0.1f };

    [Theory]
    [InlineData("model_gpt2")]
    [InlineData("model_llama")]
    [InlineData("model_qwen2")]
    public void LogitsLossAndEveryGradientMatchPyTorch(string fixture)
    {
        using var g = new GoldenModel(fixture);
        var loss = g.Model.ForwardLoss(g.Tokens, g.Targets, g.B, g.T);
        GoldenModel.AssertClose("logits", g.Model.Logits, g.Read("logits"));
        GoldenModel.AssertClose("loss", [loss], g.Read("loss"));
        g.Model.ZeroGrad();
        g.Model.Backward();
        g.AssertGradients("grad.");
    }

    [Theory]
    [InlineData("model_gpt2")]
    [InlineData("model_llama")]
    public void ResidualHookReadsTheStreamAndAddsAnExactGradient(string fixture)
    {
        using var g = new GoldenModel(fixture);
        g.Model.ForwardLoss(g.Tokens, g.Targets, g.B, g.T);
        GoldenModel.AssertClose("resid_post", g.Model.ResidualPost(HookLayer), g.Read("resid_post"));
        g.Model.ZeroGrad();
        g.Model.AddResidualGradient(HookLayer, g.Read("hook_w"));
        g.Model.Backward();
        g.AssertGradients("hookgrad.");
    }

    [Theory]
    [InlineData("model_gpt2")]
    [InlineData("model_llama")]
    [InlineData("model_qwen2")]
    public void ThreeClippedAdamWStepsGiveThePyTorchLosses(string fixture)
    {
        using var g = new GoldenModel(fixture);
        var adam = AdamW.For(g.Model, Adam);
        float[] losses = new float[3], norms = new float[3];
        for (var step = 0; step < 3; step++)
        {
            losses[step] = g.Model.ForwardLoss(g.Tokens, g.Targets, g.B, g.T);
            g.Model.ZeroGrad();
            g.Model.Backward();
            // clipping fused into the AdamW step (the AdamW golden test covers the separate ClipGlobalNorm)
            norms[step] = GradientClipping.GlobalNorm(g.Model.Gradients);
            adam.Step(Lr, GradientClipping.ClipScale(norms[step], MaxNorm));
        }
        GoldenModel.AssertClose("adam_losses", losses, g.Read("adam_losses"));
        GoldenModel.AssertClose("adam_norms", norms, g.Read("adam_norms"));
    }
}
