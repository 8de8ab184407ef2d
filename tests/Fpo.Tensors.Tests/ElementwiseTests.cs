namespace Fpo.Tensors.Tests;

public class ElementwiseTests
{
    private static double GeluRef(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    private static double Silu(double x) => x / (1 + Math.Exp(-x));

    [Fact]
    public void GeluMatchesScalarReferenceAtEveryLength()
    {
        for (var n = 0; n <= 256; n++)
        {
            var x = KernelCheck.Random(n, n, 4f);
            var dout = KernelCheck.Random(n, 1000 + n);
            var y = new float[n];
            Gelu.Forward(y, x);
            KernelCheck.Close($"gelu n={n}", y, x.Select(v => GeluRef(v)).ToArray(), 1e-6);
            var dx = KernelCheck.Random(n, 2000 + n);
            var expected = new double[n];
            for (var i = 0; i < n; i++)
                expected[i] = dx[i] + dout[i] * (GeluRef(x[i] + 1e-6) - GeluRef(x[i] - 1e-6)) / 2e-6;
            Gelu.Backward(dx, x, dout);
            KernelCheck.Close($"dgelu n={n}", dx, expected, 1e-5, 1);
        }
    }

    [Fact]
    public void SwiGluMatchesScalarReferenceAtEveryLength()
    {
        for (var n = 0; n <= 256; n++)
        {
            var gate = KernelCheck.Random(n, n, 6f);
            var up = KernelCheck.Random(n, 500 + n, 2f);
            var dout = KernelCheck.Random(n, 1000 + n);
            var y = new float[n];
            SwiGlu.Forward(y, gate, up);
            KernelCheck.Close($"swiglu n={n}", y, Enumerable.Range(0, n).Select(i => Silu(gate[i]) * up[i]).ToArray(), 1e-6);
            var dgate = KernelCheck.Random(n, 2000 + n);
            var dup = KernelCheck.Random(n, 3000 + n);
            var expGate = new double[n];
            var expUp = new double[n];
            for (var i = 0; i < n; i++)
            {
                expGate[i] = dgate[i] + dout[i] * up[i] * (Silu(gate[i] + 1e-6) - Silu(gate[i] - 1e-6)) / 2e-6;
                expUp[i] = dup[i] + dout[i] * Silu(gate[i]);
            }
            SwiGlu.Backward(dgate, dup, dout, gate, up);
            KernelCheck.Close($"dgate n={n}", dgate, expGate, 1e-5, 1);
            KernelCheck.Close($"dup n={n}", dup, expUp, 1e-6, 1);
        }
    }

    [Fact]
    public void ResidualAddsAtEveryLength()
    {
        for (var n = 0; n <= 256; n++)
        {
            var a = KernelCheck.Random(n, n);
            var b = KernelCheck.Random(n, 300 + n);
            var y = new float[n];
            Residual.Forward(y, a, b);
            for (var i = 0; i < n; i++) Assert.Equal(a[i] + b[i], y[i]);
        }
    }

    [Fact]
    public void MismatchedLengthsNameTheBuffer()
    {
        var e = Assert.Throws<ArgumentException>(() => Gelu.Forward(new float[3], new float[4]));
        Assert.Contains("Gelu.Forward: outp", e.Message, StringComparison.Ordinal);
    }
}
