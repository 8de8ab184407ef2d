namespace Fpo.Tensors.Tests;

public class AttentionTests
{
    private const int B = 2;

    // double-precision causal GQA attention; returns outp (B,T,NH*HS) and att (B,NH,T,T)
    private static (double[] Out, double[] Att) Reference(double[] qkv, int T, int NH, int NKV, int HS)
    {
        int R = (NH + 2 * NKV) * HS, C = NH * HS;
        var outp = new double[B * T * C];
        var att = new double[B * NH * T * T];
        for (var b = 0; b < B; b++)
            for (var h = 0; h < NH; h++)
            {
                var g = h / (NH / NKV);
                for (var t = 0; t < T; t++)
                {
                    var a = att.AsSpan((b * NH + h) * T * T + t * T, T);
                    var max = double.NegativeInfinity;
                    for (var s = 0; s <= t; s++)
                    {
                        double dot = 0;
                        for (var i = 0; i < HS; i++)
                            dot += qkv[(b * T + t) * R + h * HS + i] * qkv[(b * T + s) * R + (NH + g) * HS + i];
                        a[s] = dot / Math.Sqrt(HS);
                        max = Math.Max(max, a[s]);
                    }
                    double sum = 0;
                    for (var s = 0; s <= t; s++) sum += a[s] = Math.Exp(a[s] - max);
                    for (var s = 0; s <= t; s++) a[s] /= sum;
                    for (var s = 0; s <= t; s++)
                        for (var i = 0; i < HS; i++)
                            outp[(b * T + t) * C + h * HS + i] += a[s] * qkv[(b * T + s) * R + (NH + NKV + g) * HS + i];
                }
            }
        return (outp, att);
    }

    // analytic double-precision gradient of sum(outp * dout) with respect to qkv
    private static double[] ReferenceGradient(double[] qkv, ReadOnlySpan<float> dout, int T, int NH, int NKV, int HS)
    {
        int R = (NH + 2 * NKV) * HS, C = NH * HS;
        var att = Reference(qkv, T, NH, NKV, HS).Att;
        var dqkv = new double[qkv.Length];
        var scale = 1 / Math.Sqrt(HS);
        for (var b = 0; b < B; b++)
            for (var h = 0; h < NH; h++)
            {
                var g = h / (NH / NKV);
                for (var t = 0; t < T; t++)
                {
                    var datt = new double[t + 1];
                    double dot = 0;
                    for (var s = 0; s <= t; s++)
                    {
                        var p = att[(b * NH + h) * T * T + t * T + s];
                        for (var i = 0; i < HS; i++)
                        {
                            var d = dout[(b * T + t) * C + h * HS + i];
                            datt[s] += d * qkv[(b * T + s) * R + (NH + NKV + g) * HS + i];
                            dqkv[(b * T + s) * R + (NH + NKV + g) * HS + i] += p * d;
                        }
                        dot += datt[s] * p;
                    }
                    for (var s = 0; s <= t; s++)
                    {
                        var dpre = att[(b * NH + h) * T * T + t * T + s] * (datt[s] - dot) * scale;
                        for (var i = 0; i < HS; i++)
                        {
                            dqkv[(b * T + t) * R + h * HS + i] += dpre * qkv[(b * T + s) * R + (NH + g) * HS + i];
                            dqkv[(b * T + s) * R + (NH + g) * HS + i] += dpre * qkv[(b * T + t) * R + h * HS + i];
                        }
                    }
                }
            }
        return dqkv;
    }

    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (var T in new[] { 1, 2, 5, 16, 33 })
            foreach (var NKV in new[] { 4, 2, 1 })
                foreach (var HS in new[] { 8, 16 })
                    data.Add(T, 4, NKV, HS);
        // head sizes that run the 64-column register block, alone and with 16-column and scalar remainders
        data.Add(33, 4, 2, 64);
        data.Add(17, 4, 1, 80);
        data.Add(6, 4, 4, 72);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesDoublePrecisionReference(int T, int NH, int NKV, int HS)
    {
        var R = (NH + 2 * NKV) * HS;
        var qkv = KernelCheck.Random(B * T * R, T * 100 + NKV * 10 + HS, 2f);
        var dout = KernelCheck.Random(B * T * NH * HS, 7 + T);
        float[] outp = new float[B * T * NH * HS], att = new float[B * NH * T * T];
        Array.Fill(att, float.NaN); // the upper triangle must be written, not left over
        Attention.Forward(outp, att, qkv, B, T, NH, NKV, HS);
        var qkvd = KernelCheck.ToDouble(qkv);
        var (expOut, expAtt) = Reference(qkvd, T, NH, NKV, HS);
        KernelCheck.Close("att", att, expAtt, 1e-5);
        KernelCheck.Close("outp", outp, expOut, 1e-5);

        var dqkv = KernelCheck.Random(qkv.Length, 3);
        var expected = ReferenceGradient(qkvd, dout, T, NH, NKV, HS);
        for (var i = 0; i < expected.Length; i++) expected[i] += dqkv[i];
        var datt = new float[att.Length];
        Array.Fill(datt, float.NaN);
        Attention.Backward(dqkv, datt, dout, qkv, att, B, T, NH, NKV, HS);
        KernelCheck.Close("dqkv", dqkv, expected, 1e-5);
    }

    [Theory]
    [InlineData(4, 4, 4, 8)]
    [InlineData(5, 4, 2, 8)]
    [InlineData(3, 4, 1, 8)]
    public void ReferenceGradientMatchesFiniteDifferences(int T, int NH, int NKV, int HS)
    {
        var R = (NH + 2 * NKV) * HS;
        var qkvd = KernelCheck.ToDouble(KernelCheck.Random(B * T * R, 5, 2f));
        var dout = KernelCheck.Random(B * T * NH * HS, 6);
        var numeric = KernelCheck.NumericGradient(v => KernelCheck.Dot(Reference(v, T, NH, NKV, HS).Out, dout), qkvd);
        var expected = ReferenceGradient(qkvd, dout, T, NH, NKV, HS);
        var asFloat = expected.Select(v => (float)v).ToArray();
        KernelCheck.Close("reference dqkv", asFloat, numeric, 1e-6);
    }

    [Fact]
    public void HeadCountsThatDoNotGroupAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Attention.Forward(new float[24], new float[4], new float[40], 1, 1, 3, 2, 8));
        Assert.Contains("NH=3", e.Message, StringComparison.Ordinal);
    }
}
