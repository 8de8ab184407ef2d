namespace Fpo.Tensors.Tests;

public class LinearTests
{
    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(5, 7, 3, true)]
    [InlineData(17, 33, 65, false)]
    [InlineData(64, 48, 96, true)]
    public void ForwardAndBackwardMatchDoublePrecision(int N, int C, int OC, bool withBias)
    {
        var inp = KernelCheck.Random(N * C, 1);
        var w = KernelCheck.Random(OC * C, 2);
        var bias = withBias ? KernelCheck.Random(OC, 3) : [];
        var dout = KernelCheck.Random(N * OC, 4);
        var outp = new float[N * OC];
        Array.Fill(outp, float.NaN);
        Linear.Forward(outp, inp, w, bias, N, C, OC);
        var expOut = new double[N * OC];
        for (var n = 0; n < N; n++)
            for (var o = 0; o < OC; o++)
            {
                double s = withBias ? bias[o] : 0;
                for (var i = 0; i < C; i++) s += (double)inp[n * C + i] * w[o * C + i];
                expOut[n * OC + o] = s;
            }
        KernelCheck.Close("linear out", outp, expOut);

        float[] dinp = KernelCheck.Random(N * C, 5), dw = KernelCheck.Random(OC * C, 6);
        var db = withBias ? KernelCheck.Random(OC, 7) : [];
        var expDinp = KernelCheck.ToDouble(dinp);
        var expDw = KernelCheck.ToDouble(dw);
        var expDb = KernelCheck.ToDouble(db);
        for (var n = 0; n < N; n++)
            for (var o = 0; o < OC; o++)
            {
                var d = (double)dout[n * OC + o];
                if (withBias) expDb[o] += d;
                for (var i = 0; i < C; i++)
                {
                    expDinp[n * C + i] += d * w[o * C + i];
                    expDw[o * C + i] += d * inp[n * C + i];
                }
            }
        Linear.Backward(dinp, dw, db, dout, inp, w, N, C, OC);
        KernelCheck.Close("linear dinp", dinp, expDinp);
        KernelCheck.Close("linear dweight", dw, expDw);
        KernelCheck.Close("linear dbias", db, expDb);
    }

    [Fact]
    public void ShortWeightIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Linear.Forward(new float[6], new float[6], new float[5], [], 2, 3, 3));
        Assert.Contains("Linear.Forward: weight has 5 elements, needs OC*C = 9", e.Message, StringComparison.Ordinal);
    }
}
