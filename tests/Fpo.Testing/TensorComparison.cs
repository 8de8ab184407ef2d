namespace Fpo.Testing;

/// <summary>
/// Compares a computed tensor with its reference, prints the largest absolute and relative error
/// (the report a golden test shows per tensor), and fails past the tolerance.
/// Relative error is |a-e| / max(|e|, floor) so entries near zero do not dominate.
/// </summary>
public static class TensorComparison
{
    public static (float MaxAbs, float MaxRel) Errors(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, float relFloor)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"length {actual.Length} != expected {expected.Length}");
        float maxAbs = 0, maxRel = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var abs = MathF.Abs(actual[i] - expected[i]);
            if (float.IsNaN(abs)) return (float.NaN, float.NaN);
            maxAbs = MathF.Max(maxAbs, abs);
            maxRel = MathF.Max(maxRel, abs / MathF.Max(MathF.Abs(expected[i]), relFloor));
        }
        return (maxAbs, maxRel);
    }

    /// <summary>
    /// Asserts |a-e| &lt;= rtol * max(|e|, scale * relFloorFraction) everywhere, where scale is the tensor's
    /// largest magnitude: a relative check that tolerates cancellation noise in entries far below the tensor's scale.
    /// </summary>
    public static void AssertClose(string name, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected,
        float rtol = 1e-4f, float relFloorFraction = 1e-3f, TextWriter? log = null)
    {
        float scale = 0;
        foreach (var e in expected) scale = MathF.Max(scale, MathF.Abs(e));
        var floor = MathF.Max(scale * relFloorFraction, 1e-30f);
        var (maxAbs, maxRel) = Errors(actual, expected, floor);
        (log ?? Console.Out).WriteLine($"{name,-40} n={expected.Length,-9} max|abs|={maxAbs:E2} max rel={maxRel:E2} (scale {scale:E2})");
        Xunit.Assert.False(float.IsNaN(maxAbs), $"{name}: NaN in the result");
        Xunit.Assert.True(maxRel <= rtol, $"{name}: max relative error {maxRel:E3} > {rtol:E1} (max abs {maxAbs:E3}, scale {scale:E3})");
    }
}
