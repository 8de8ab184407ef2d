namespace Fpo.Tensors.Tests;

/// <summary>Random inputs, double-precision references and finite differences shared by the kernel tests.</summary>
internal static class KernelCheck
{
    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return x;
    }

    public static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var d = new double[x.Length];
        for (var i = 0; i < x.Length; i++) d[i] = x[i];
        return d;
    }

    /// <summary>
    /// Asserts |actual - expected| &lt;= rtol * (|expected| + max(max|expected|, floor)) elementwise; floor is the
    /// scale of the terms summed into expected where they cancel (e.g. an accumulated gradient).
    /// </summary>
    public static void Close(string what, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double rtol = 2e-5, double floor = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = floor;
        foreach (var e in expected) if (!double.IsInfinity(e)) scale = Math.Max(scale, Math.Abs(e));
        for (var i = 0; i < actual.Length; i++)
        {
            if (double.IsNaN(expected[i]) || double.IsInfinity(expected[i]))
            {
                Assert.True(expected[i].Equals((double)actual[i]), $"{what}[{i}]: {actual[i]} expected {expected[i]}");
                continue;
            }
            var err = Math.Abs(actual[i] - expected[i]);
            Assert.True(err <= rtol * (Math.Abs(expected[i]) + scale),
                $"{what}[{i}] of {actual.Length}: {actual[i]:R} expected {expected[i]:R} (error {err:E2}, scale {scale:E2})");
        }
    }

    /// <summary>Gradient of loss at x by central differences in double precision.</summary>
    public static double[] NumericGradient(Func<double[], double> loss, double[] x, double h = 1e-6)
    {
        var g = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            x[i] = xi + h;
            var up = loss(x);
            x[i] = xi - h;
            var down = loss(x);
            x[i] = xi;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    public static double Dot(double[] a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
