using Fpo.Testing;

namespace Fpo.Sae.Tests;

/// <summary>The dense decoder path (GEMM on dense codes) gives the sparse path's reconstruction and gradients, and
/// Auto picks it by the density of the codes.</summary>
public sealed class DecoderPathTests
{
    private const int B = 24, D = 32, F = 96;

    // Both paths sum the same products in different orders (GEMM blocks vs per-entry loops) in float32: each entry within
    // 1e-4 of max(|sparse value|, 1e-3 × the tensor's largest magnitude) (TensorComparison's floor); measured ≤ 7e-5.
    private const float Rtol = 1e-4f;

    [Theory]
    [InlineData(SaeArchitecture.ReLU, true)]
    [InlineData(SaeArchitecture.ReLU, false)]
    [InlineData(SaeArchitecture.JumpReLU, true)]
    [InlineData(SaeArchitecture.TopK, true)]
    [InlineData(SaeArchitecture.BatchTopK, false)]
    public void DenseAndSparsePathsAgree(SaeArchitecture architecture, bool applyDecoderBias)
    {
        var weights = RandomWeights(architecture, applyDecoderBias);
        var x = Random(B * D, 1f, seed: 7);
        var dead = Enumerable.Range(0, F).Select(j => j % 3 == 0).ToArray();
        var (sparse, sparseGrads, sparseDx) = Run(weights, x, dead, SaeDecoderPath.Sparse);
        var (dense, denseGrads, denseDx) = Run(weights, x, dead, SaeDecoderPath.Dense);

        Assert.True(sparse.Codes.Count > 0, "no latent fired");
        TensorComparison.AssertClose("xhat", dense.Reconstruction, sparse.Reconstruction, Rtol);
        TensorComparison.AssertClose("dW_enc", denseGrads.EncoderWeight, sparseGrads.EncoderWeight, Rtol);
        TensorComparison.AssertClose("db_enc", denseGrads.EncoderBias, sparseGrads.EncoderBias, Rtol);
        TensorComparison.AssertClose("dW_dec", denseGrads.DecoderWeight, sparseGrads.DecoderWeight, Rtol);
        TensorComparison.AssertClose("db_dec", denseGrads.DecoderBias, sparseGrads.DecoderBias, Rtol);
        TensorComparison.AssertClose("dx", denseDx, sparseDx, Rtol);
        if (architecture is SaeArchitecture.JumpReLU)
            TensorComparison.AssertClose("dthreshold", denseGrads.Threshold, sparseGrads.Threshold, Rtol);
    }

    [Fact]
    public void AutoDecodesDenselyOnlyAboveTheCrossover()
    {
        var relu = RandomWeights(SaeArchitecture.ReLU, true);
        Array.Fill(relu.EncoderBias, 100f);  // every latent fires
        var x = Random(B * D, 1f, seed: 7);
        var pass = new SaeTrainingPass(relu, new SaeLossSettings(), B);
        pass.Forward(x, B, []);
        Assert.True(pass.LastBatchDense, "all latents fire, yet the sparse path ran");

        var topk = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.TopK, K = 1, InputSize = D, Latents = F });
        Random(F * D, 0.3f, seed: 2).CopyTo(topk.EncoderWeight, 0);
        var sparse = new SaeTrainingPass(topk, new SaeLossSettings(), B);
        sparse.Forward(x, B, []);
        Assert.True((double)sparse.Codes.Count / (B * F) < SaeTrainingPass.DenseCrossover);
        Assert.False(sparse.LastBatchDense, "one latent in 96 fires, yet the dense path ran");
    }

    private static (SaeTrainingPass Pass, SaeWeights Grads, float[] Dx) Run(SaeWeights weights, float[] x, bool[] dead, SaeDecoderPath path)
    {
        var pass = new SaeTrainingPass(weights, new SaeLossSettings { AuxKLatents = 8 }, B) { DecoderPath = path };
        pass.Forward(x, B, dead);
        var grads = new SaeWeights(weights.Config);
        var dx = new float[B * D];
        pass.Backward(grads, dx);
        return (pass, grads, dx);
    }

    private static SaeWeights RandomWeights(SaeArchitecture architecture, bool applyDecoderBias)
    {
        var k = architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK ? 20 : 0;
        var w = new SaeWeights(new SaeConfig
        {
            Architecture = architecture, InputSize = D, Latents = F, K = k, Bandwidth = 0.2f, ApplyDecoderBiasToInput = applyDecoderBias,
        });
        Random(F * D, 0.3f, seed: 1).CopyTo(w.EncoderWeight, 0);
        Random(F * D, 0.3f, seed: 2).CopyTo(w.DecoderWeight, 0);
        Random(F, 0.2f, seed: 3).CopyTo(w.EncoderBias, 0);
        Random(D, 0.2f, seed: 4).CopyTo(w.DecoderBias, 0);
        if (w.Threshold.Length > 0) Array.Fill(w.Threshold, 0.3f);
        return w;
    }

    private static float[] Random(int n, float scale, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }
}
