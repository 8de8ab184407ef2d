namespace Fpo.Tensors.Tests;

public class NormTests
{
    private const int N = 2;
    private const float Eps = 1e-5f;

    // out (N,C) in double; weight and bias (C)
    private static double[] LayerNormRef(double[] x, double[] w, double[] b, int C)
    {
        var y = new double[N * C];
        for (var n = 0; n < N; n++)
        {
            double m = 0, v = 0;
            for (var i = 0; i < C; i++) m += x[n * C + i];
            m /= C;
            for (var i = 0; i < C; i++) v += (x[n * C + i] - m) * (x[n * C + i] - m);
            var s = 1 / Math.Sqrt(v / C + Eps);
            for (var i = 0; i < C; i++) y[n * C + i] = (x[n * C + i] - m) * s * w[i] + b[i];
        }
        return y;
    }

    private static double[] RmsNormRef(double[] x, double[] w, int C)
    {
        var y = new double[N * C];
        for (var n = 0; n < N; n++)
        {
            double ss = 0;
            for (var i = 0; i < C; i++) ss += x[n * C + i] * x[n * C + i];
            var s = 1 / Math.Sqrt(ss / C + Eps);
            for (var i = 0; i < C; i++) y[n * C + i] = x[n * C + i] * s * w[i];
        }
        return y;
    }

    private static double[] Plus(ReadOnlySpan<float> start, double[] grad)
    {
        var r = new double[grad.Length];
        for (var i = 0; i < r.Length; i++) r[i] = start[i] + grad[i];
        return r;
    }

    [Fact]
    public void LayerNormMatchesReferenceAndFiniteDifferencesAtEveryWidth()
    {
        for (var C = 0; C <= 256; C++)
        {
            var x = KernelCheck.Random(N * C, C, 3f);
            for (var i = 0; i < x.Length; i++) x[i] += 0.5f; // a non-zero mean exercises the centring
            var w = KernelCheck.Random(C, 100 + C);
            var b = KernelCheck.Random(C, 200 + C);
            var dout = KernelCheck.Random(N * C, 300 + C);
            float[] y = new float[N * C], mean = new float[N], rstd = new float[N];
            LayerNorm.Forward(y, mean, rstd, x, w, b, N, C, Eps);
            double[] xd = KernelCheck.ToDouble(x), wd = KernelCheck.ToDouble(w), bd = KernelCheck.ToDouble(b);
            KernelCheck.Close($"layernorm C={C}", y, LayerNormRef(xd, wd, bd, C));

            float[] dx = KernelCheck.Random(N * C, 400 + C), dw = KernelCheck.Random(C, 500 + C), db = KernelCheck.Random(C, 600 + C);
            var expDx = Plus(dx, KernelCheck.NumericGradient(v => KernelCheck.Dot(LayerNormRef(v, wd, bd, C), dout), xd));
            var expDw = Plus(dw, KernelCheck.NumericGradient(v => KernelCheck.Dot(LayerNormRef(xd, v, bd, C), dout), wd));
            var expDb = Plus(db, KernelCheck.NumericGradient(v => KernelCheck.Dot(LayerNormRef(xd, wd, v, C), dout), bd));
            LayerNorm.Backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
            KernelCheck.Close($"layernorm dinp C={C}", dx, expDx, 1e-4);
            KernelCheck.Close($"layernorm dweight C={C}", dw, expDw, 1e-4);
            KernelCheck.Close($"layernorm dbias C={C}", db, expDb, 1e-4);
        }
    }

    [Fact]
    public void RmsNormMatchesReferenceAndFiniteDifferencesAtEveryWidth()
    {
        for (var C = 0; C <= 256; C++)
        {
            var x = KernelCheck.Random(N * C, C, 3f);
            var w = KernelCheck.Random(C, 100 + C);
            var dout = KernelCheck.Random(N * C, 300 + C);
            float[] y = new float[N * C], rstd = new float[N];
            RmsNorm.Forward(y, rstd, x, w, N, C, Eps);
            double[] xd = KernelCheck.ToDouble(x), wd = KernelCheck.ToDouble(w);
            KernelCheck.Close($"rmsnorm C={C}", y, RmsNormRef(xd, wd, C));

            float[] dx = KernelCheck.Random(N * C, 400 + C), dw = KernelCheck.Random(C, 500 + C);
            var expDx = Plus(dx, KernelCheck.NumericGradient(v => KernelCheck.Dot(RmsNormRef(v, wd, C), dout), xd));
            var expDw = Plus(dw, KernelCheck.NumericGradient(v => KernelCheck.Dot(RmsNormRef(xd, v, C), dout), wd));
            RmsNorm.Backward(dx, dw, dout, x, w, rstd, N, C);
            KernelCheck.Close($"rmsnorm dinp C={C}", dx, expDx, 1e-4);
            KernelCheck.Close($"rmsnorm dweight C={C}", dw, expDw, 1e-4);
        }
    }
}
