using System.Runtime.InteropServices;
using Fpo.Alignment.Evaluation;
using Fpo.Testing;

namespace Fpo.Alignment.Tests.Evaluation;

/// <summary>The length-controlled fit against tests/reference/length_controlled.py (L-BFGS in PyTorch, float64).</summary>
public class LengthControlledGoldenTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void InterceptSlopeScaleAndWinRateMatchPyTorch(int k)
    {
        using var golden = GoldenFile.Open("length_controlled.golden.safetensors");
        double[] Read(string name) => MemoryMarshal.Cast<byte, double>(golden.GetBytes($"case{k}.{name}")).ToArray();
        var (y, policy, reference, expected) = (Read("y"), Read("policy_len"), Read("reference_len"), Read("fit"));
        var outcomes = y.Select((p, i) => new HeldOutOutcome(double.IsNaN(p) ? null : p, (int)policy[i], (int)reference[i])).ToList();

        var fit = LengthControlledFit.Fit(outcomes)!.Value;

        double[] actual = [fit.Intercept, fit.Slope, fit.LengthScale, fit.WinRate];
        var errors = actual.Zip(expected, (a, e) => Math.Abs(a - e)).ToArray();
        output.WriteLine($"case {k}: a {fit.Intercept:G10} b {fit.Slope:G10} s {fit.LengthScale:G10} LC {fit.WinRate:G10}; max |error| {errors.Max():E2} (a, b, s, LC: {string.Join(", ", errors.Select(e => e.ToString("E1")))})");
        Assert.All(errors, e => Assert.True(e < 1e-6, $"case {k}: error {e} against PyTorch"));
    }
}
