namespace Fpo.Tensors.Tests;

public class SoftmaxTests
{
    private const int N = 2;

    private static double[] SoftmaxRef(double[] x, int C)
    {
        var y = new double[x.Length];
        for (var n = 0; n < N; n++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < C; j++) max = Math.Max(max, x[n * C + j]);
            double sum = 0;
            for (var j = 0; j < C; j++) sum += Math.Exp(x[n * C + j] - max);
            for (var j = 0; j < C; j++) y[n * C + j] = Math.Exp(x[n * C + j] - max) / sum;
        }
        return y;
    }

    [Fact]
    public void ForwardAndBackwardMatchReferenceAtEveryWidth()
    {
        for (var C = 0; C <= 256; C++)
        {
            var x = KernelCheck.Random(N * C, C, 8f);
            var dout = KernelCheck.Random(N * C, 100 + C);
            var y = new float[N * C];
            Softmax.Forward(y, x, N, C);
            var xd = KernelCheck.ToDouble(x);
            KernelCheck.Close($"softmax C={C}", y, SoftmaxRef(xd, C), 1e-6);

            var dx = KernelCheck.Random(N * C, 200 + C);
            var grad = KernelCheck.NumericGradient(v => KernelCheck.Dot(SoftmaxRef(v, C), dout), xd);
            for (var i = 0; i < grad.Length; i++) grad[i] += dx[i];
            Softmax.Backward(dx, dout, y, N, C);
            KernelCheck.Close($"dsoftmax C={C}", dx, grad, 1e-5);
        }
    }

    [Fact]
    public void NegativeInfinityEntriesGetZeroProbability()
    {
        const int C = 37;
        var x = KernelCheck.Random(N * C, 7, 5f);
        for (var j = 0; j < C; j += 3) x[j] = float.NegativeInfinity;
        for (var j = 0; j < C; j++) x[C + j] = float.NegativeInfinity; // a fully masked row
        var y = new float[N * C];
        Softmax.Forward(y, x, N, C);
        var finite = KernelCheck.ToDouble(x.AsSpan(0, C));
        var expected = SoftmaxRef([.. finite, .. new double[C]], C).AsSpan(0, C).ToArray();
        KernelCheck.Close("softmax with -inf", y.AsSpan(0, C), expected, 1e-6);
        for (var j = 0; j < C; j += 3) Assert.Equal(0f, y[j]);
        Assert.All(y.AsSpan(C, C).ToArray(), v => Assert.Equal(0f, v));
    }
}
