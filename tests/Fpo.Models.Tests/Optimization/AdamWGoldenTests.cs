using Fpo.Models.Optimization;
using Fpo.Testing;

namespace Fpo.Models.Tests.Optimization;

/// <summary>AdamW and clipping on fixed gradients against tests/reference/adamw.py.</summary>
public class AdamWGoldenTests
{
    private const float Lr = 3e-2f, MaxNorm = 2f;

    [Fact]
    public void ThreeStepsMatchTorchAdamWWithParameterGroupsAndClipping()
    {
        using var g = GoldenFile.Open("adamw.golden.safetensors");
        var w0 = g.ReadFloat32("w0");
        var b0 = g.ReadFloat32("b0");
        // one flat array: the matrix decays, the vector does not
        var parameters = w0.Concat(b0).ToArray();
        var gradients = new float[parameters.Length];
        var adam = new AdamW(parameters, gradients, [new(0, w0.Length, true), new(w0.Length, b0.Length, false)],
            new AdamWSettings { Beta1 = 0.9f, Beta2 = 0.95f, Eps = 1e-8f, WeightDecay = 0.1f });
        var clipped = 0;
        for (var k = 1; k <= 3; k++)
        {
            g.ReadFloat32($"grad{k}.w").CopyTo(gradients, 0);
            g.ReadFloat32($"grad{k}.b").CopyTo(gradients, w0.Length);
            var norm = GradientClipping.ClipGlobalNorm(gradients, MaxNorm);
            if (norm > MaxNorm) clipped++;
            TensorComparison.AssertClose($"norm{k}", [norm], g.ReadFloat32($"norm{k}"));
            adam.Step(Lr);
            TensorComparison.AssertClose($"w{k}", parameters.AsSpan(0, w0.Length), g.ReadFloat32($"w{k}"));
            TensorComparison.AssertClose($"b{k}", parameters.AsSpan(w0.Length), g.ReadFloat32($"b{k}"));
        }
        Assert.Equal(2, clipped);
        Assert.Equal(3, adam.StepCount);
    }
}
