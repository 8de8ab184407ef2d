using Fpo.Models.Checkpoints;
using Fpo.Testing;

namespace Fpo.Tensors.Tests;

public sealed class DecodeLinearTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 15, 7)]
    [InlineData(5, 33, 9)]
    [InlineData(4, 64, 16)]
    [InlineData(9, 100, 67)]
    public void MatchesDoublePrecision(int N, int C, int OC)
    {
        var (inp, w, bias) = (KernelCheck.Random(N * C, 1), KernelCheck.Random(OC * C, 2), KernelCheck.Random(OC, 3));
        var wbf = ToBf16(w);
        foreach (var bf16 in new[] { false, true })
        {
            var wUsed = bf16 ? FromBf16(wbf) : w;
            var outp = new float[N * OC];
            Array.Fill(outp, float.NaN);
            if (bf16) DecodeLinear.ForwardBFloat16(outp, inp, wbf, bias, N, C, OC);
            else DecodeLinear.Forward(outp, inp, w, bias, N, C, OC);
            var expected = new double[N * OC];
            for (var n = 0; n < N; n++)
                for (var o = 0; o < OC; o++)
                {
                    double s = bias[o];
                    for (var c = 0; c < C; c++) s += (double)inp[n * C + c] * wUsed[o * C + c];
                    expected[n * OC + o] = s;
                }
            KernelCheck.Close(bf16 ? "decode linear bf16" : "decode linear", outp, expected);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RowIsBitwiseTheSameAloneAndInAnyBatch(bool bf16)
    {
        foreach (var (C, OC) in new[] { (100, 67), (256, 768) })
        {
            var w = KernelCheck.Random(OC * C, 10, 0.1f);
            var wbf = ToBf16(w);
            var bias = KernelCheck.Random(OC, 11);
            var row = KernelCheck.Random(C, 12);
            var alone = Run(row, w, wbf, bias, 1, C, OC, bf16);
            foreach (var N in new[] { 2, 3, 7, 16, 33 })
                for (var at = 0; at < N; at += Math.Max(1, N / 3))
                {
                    var batch = KernelCheck.Random(N * C, 100 + N + at, 3f);
                    row.CopyTo(batch.AsSpan(at * C));
                    var outp = Run(batch, w, wbf, bias, N, C, OC, bf16);
                    Assert.True(outp.AsSpan(at * OC, OC).SequenceEqual(alone),
                        $"C={C} OC={OC}: row {at} of a batch of {N} differs from the row computed alone (bf16={bf16})");
                }
        }
    }

    [Theory]
    [InlineData("small")]
    [InlineData("wide")]
    [InlineData("single")]
    public void MatchesPyTorch(string name)
    {
        using var golden = GoldenFile.Open("decode_linear.safetensors");
        var inp = golden.ReadFloat32($"{name}.inp");
        var w = golden.ReadFloat32($"{name}.weight");
        var bias = golden.ReadFloat32($"{name}.bias");
        int OC = (int)golden.Tensors[$"{name}.weight"].Shape[0], C = (int)golden.Tensors[$"{name}.weight"].Shape[1], N = inp.Length / C;
        var log = new StringWriter();
        TensorComparison.AssertClose($"{name}.out fp32", Run(inp, w, [], bias, N, C, OC, false), golden.ReadFloat32($"{name}.out"), 1e-4f, 1e-2f, log);
        TensorComparison.AssertClose($"{name}.out bf16", Run(inp, [], ToBf16(w), bias, N, C, OC, true), golden.ReadFloat32($"{name}.out_bf16"), 1e-4f, 1e-2f, log);
        output.WriteLine(log.ToString());
    }

    [Fact]
    public void ShortBiasIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => DecodeLinear.Forward(new float[6], new float[6], new float[9], new float[2], 2, 3, 3));
        Assert.Contains("DecodeLinear.Forward: bias has 2 elements, needs OC = 3", e.Message, StringComparison.Ordinal);
    }

    private static float[] Run(float[] inp, float[] w, ushort[] wbf, float[] bias, int N, int C, int OC, bool bf16)
    {
        var outp = new float[N * OC];
        if (bf16) DecodeLinear.ForwardBFloat16(outp, inp, wbf, bias, N, C, OC);
        else DecodeLinear.Forward(outp, inp, w, bias, N, C, OC);
        return outp;
    }

    private static ushort[] ToBf16(float[] w)
    {
        var bits = new ushort[w.Length];
        BFloat16.FromSingle(w, bits);
        return bits;
    }

    private static float[] FromBf16(ushort[] bits)
    {
        var w = new float[bits.Length];
        BFloat16.ToSingle(bits, w);
        return w;
    }
}
