using Fpo.Testing;

namespace Fpo.Sae.Tests;

/// <summary>Every architecture's pre-activations, codes, reconstruction, losses and gradients against
/// tests/reference/sae.py (PyTorch autograd in float64), on both the sparse and the dense decoder path.</summary>
public sealed class SaeGoldenTests
{
    // Mirrors tests/reference/sae.py.
    private const int B = 6, D = 16, F = 48, K = 4, KAux = 8;
    private const float L1 = 0.7f, L0 = 0.3f, Aux = 1f / 32, Bandwidth = 0.5f;
    private const float Rtol = 2e-4f;

    [Theory]
    [InlineData("relu", SaeArchitecture.ReLU, SaeDecoderPath.Sparse)]
    [InlineData("relu", SaeArchitecture.ReLU, SaeDecoderPath.Dense)]
    [InlineData("topk", SaeArchitecture.TopK, SaeDecoderPath.Sparse)]
    [InlineData("topk", SaeArchitecture.TopK, SaeDecoderPath.Dense)]
    [InlineData("batchtopk", SaeArchitecture.BatchTopK, SaeDecoderPath.Sparse)]
    [InlineData("batchtopk", SaeArchitecture.BatchTopK, SaeDecoderPath.Dense)]
    [InlineData("jumprelu", SaeArchitecture.JumpReLU, SaeDecoderPath.Sparse)]
    [InlineData("jumprelu", SaeArchitecture.JumpReLU, SaeDecoderPath.Dense)]
    [InlineData("topk_raw_input", SaeArchitecture.TopK, SaeDecoderPath.Sparse, false)]
    [InlineData("topk_raw_input", SaeArchitecture.TopK, SaeDecoderPath.Dense, false)]
    public void ForwardLossesAndGradientsMatchPyTorch(string name, SaeArchitecture architecture, SaeDecoderPath path, bool applyDecoderBias = true)
    {
        using var g = GoldenFile.Open("sae.golden.safetensors");
        float[] Read(string tensor) => g.ReadFloat32($"{name}.{tensor}");
        var needsK = architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK;
        var config = new SaeConfig { Architecture = architecture, InputSize = D, Latents = F, K = needsK ? K : 0, Bandwidth = Bandwidth,
            ApplyDecoderBiasToInput = applyDecoderBias };
        var weights = Load(config, Read);
        var pass = new SaeTrainingPass(weights, new SaeLossSettings { L1Coefficient = L1, L0Coefficient = L0, AuxKCoefficient = Aux, AuxKLatents = KAux }, B);
        pass.DecoderPath = path;
        var dead = Read("dead").Select(v => v != 0).ToArray();

        var losses = pass.Forward(Read("x"), B, dead);
        Assert.Equal(path == SaeDecoderPath.Dense, pass.LastBatchDense);
        TensorComparison.AssertClose($"{name}.pre", pass.PreActivations, Read("pre"), Rtol);
        var codes = new float[B * F];
        pass.Codes.ToDense(codes, F);
        TensorComparison.AssertClose($"{name}.codes", codes, Read("codes"), Rtol);
        TensorComparison.AssertClose($"{name}.xhat", pass.Reconstruction, Read("xhat"), Rtol);
        TensorComparison.AssertClose($"{name}.loss_mse", [losses.Reconstruction], Read("loss_mse"), Rtol);
        TensorComparison.AssertClose($"{name}.loss_sparsity", [losses.Sparsity], Read("loss_sparsity"), Rtol);
        TensorComparison.AssertClose($"{name}.loss_aux", [losses.AuxK], Read("loss_aux"), Rtol);
        if (needsK) Assert.True(losses.AuxK > 0, $"{name}: AuxK loss is 0 although half the latents are marked dead");

        var grads = new SaeWeights(config);
        var dx = new float[B * D];
        pass.Backward(grads, dx);
        TensorComparison.AssertClose($"{name}.grad_W_enc", grads.EncoderWeight, Read("grad_W_enc"), Rtol);
        TensorComparison.AssertClose($"{name}.grad_b_enc", grads.EncoderBias, Read("grad_b_enc"), Rtol);
        TensorComparison.AssertClose($"{name}.grad_W_dec", grads.DecoderWeight, Read("grad_W_dec"), Rtol);
        TensorComparison.AssertClose($"{name}.grad_b_dec", grads.DecoderBias, Read("grad_b_dec"), Rtol);
        TensorComparison.AssertClose($"{name}.grad_x", dx, Read("grad_x"), Rtol);
        if (architecture is SaeArchitecture.JumpReLU)
        {
            var expected = Read("grad_threshold");
            Assert.Contains(expected, v => v != 0);
            TensorComparison.AssertClose($"{name}.grad_threshold", grads.Threshold, expected, Rtol);
        }
    }

    internal static SaeWeights Load(SaeConfig config, Func<string, float[]> read)
    {
        var w = new SaeWeights(config);
        read("W_enc").CopyTo(w.EncoderWeight, 0);
        read("b_enc").CopyTo(w.EncoderBias, 0);
        read("W_dec").CopyTo(w.DecoderWeight, 0);
        read("b_dec").CopyTo(w.DecoderBias, 0);
        if (w.Threshold.Length > 0) read("threshold").CopyTo(w.Threshold, 0);
        return w;
    }
}
