using Fpo.Tensors;
using Fpo.Testing;

namespace Fpo.Sae.Tests;

/// <summary>The sparse kernels against dense references: decode, selection ties and thread-count independence.</summary>
public sealed class SparseKernelTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        var v = new float[n];
        for (var i = 0; i < n; i++) v[i] = (float)(r.NextDouble() * 2 - 1) * scale;
        return v;
    }

    [Fact]
    public void SparseDecodeEqualsDenseDecode()
    {
        const int B = 37, D = 70, F = 300, K = 9;
        var pre = Random(B * F, 1);
        var codes = new SparseCodes();
        TopKActivation.Forward(codes, pre, K, B, F);
        var W_dec = Random(F * D, 2);
        var b_dec = Random(D, 3);
        var sparse = new float[B * D];
        SparseDecoder.Forward(sparse, codes, W_dec, b_dec, B, D);

        var dense = new float[B * F];
        codes.ToDense(dense, F);
        var expected = new float[B * D];
        for (var b = 0; b < B; b++)
            for (var d = 0; d < D; d++)
            {
                double s = b_dec[d];
                for (var j = 0; j < F; j++) s += (double)dense[b * F + j] * W_dec[j * D + d];
                expected[b * D + d] = (float)s;
            }
        Assert.Equal(B * K, codes.Count);
        TensorComparison.AssertClose("sparse decode vs dense", sparse, expected, 1e-4f);
    }

    [Fact]
    public void TopKKeepsTheLowestLatentAmongTies()
    {
        const int F = 100, K = 3;
        var pre = new float[F];
        foreach (var j in new[] { 90, 7, 55, 31, 12 }) pre[j] = 2f;  // five equal candidates for three places
        pre[60] = 5f;
        var codes = new SparseCodes();
        TopKActivation.Forward(codes, pre, K, 1, F);
        Assert.Equal([7, 12, 60], codes.Latent[..codes.Count]);
    }

    [Fact]
    public void TopKListsOnlyPositiveCodes()
    {
        const int F = 40, K = 5;
        var pre = Enumerable.Repeat(-1f, F).ToArray();
        pre[3] = 0.5f;
        pre[33] = 0.25f;
        var codes = new SparseCodes();
        TopKActivation.Forward(codes, pre, K, 1, F);
        Assert.Equal([3, 33], codes.Latent[..codes.Count]);
        Assert.Equal([0.5f, 0.25f], codes.Value[..codes.Count]);
    }

    [Fact]
    public void TopKMatchesASortOnEveryRowLength()
    {
        for (var F = 1; F <= 80; F++)
        {
            var K = 1 + F % 7;
            if (K > F) K = F;
            var pre = Random(3 * F, F);
            var codes = new SparseCodes();
            TopKActivation.Forward(codes, pre, K, 3, F);
            for (var b = 0; b < 3; b++)
            {
                var expected = Enumerable.Range(0, F).Where(j => pre[b * F + j] > 0)
                    .OrderByDescending(j => pre[b * F + j]).ThenBy(j => j).Take(K).Order().ToArray();
                Assert.Equal(expected, codes.Latent[codes.RowStart[b]..codes.RowStart[b + 1]]);
            }
        }
    }

    [Fact]
    public void BatchTopKMatchesASortOverTheBatch()
    {
        foreach (var (B, F, K) in new[] { (5, 37, 3), (8, 64, 1), (3, 100, 20), (7, 16, 16) })
        {
            var pre = Random(B * F, B * F + K);
            for (var i = 0; i < pre.Length; i += 7) pre[i] = MathF.Round(pre[i] * 4) / 4;  // plenty of exact ties
            var codes = new SparseCodes();
            BatchTopKActivation.Forward(codes, pre, K, B, F);
            var dense = new float[B * F];
            codes.ToDense(dense, F);
            var expected = Enumerable.Range(0, B * F).Where(i => pre[i] > 0).OrderByDescending(i => pre[i]).ThenBy(i => i).Take(B * K).Order();
            Assert.Equal(expected, Enumerable.Range(0, B * F).Where(i => dense[i] != 0));
        }
    }

    [Fact]
    public void BatchTopKTakesTheLargestOverTheBatchAndBreaksTiesByFlatIndex()
    {
        const int B = 4, F = 10, K = 2;
        var pre = new float[B * F];
        pre[0 * F + 1] = 9f;
        pre[0 * F + 2] = 8f;
        pre[0 * F + 3] = 7f;                                    // row 0 takes three: BatchTopK need not be K per row
        foreach (var i in new[] { 1 * F + 5, 2 * F + 0, 2 * F + 9, 3 * F + 4, 3 * F + 8 }) pre[i] = 3f;  // 5 ties for 5 places
        pre[3 * F + 9] = -4f;
        var codes = new SparseCodes();
        BatchTopKActivation.Forward(codes, pre, K, B, F);
        var dense = new float[B * F];
        codes.ToDense(dense, F);
        var taken = Enumerable.Range(0, B * F).Where(i => dense[i] != 0).ToArray();
        Assert.Equal([1, 2, 3, 1 * F + 5, 2 * F + 0, 2 * F + 9, 3 * F + 4, 3 * F + 8], taken);

        pre[3 * F + 8] = 3.5f;
        pre[0] = 3f;  // five 3s for four places: the highest flat index (3F+4) goes
        BatchTopKActivation.Forward(codes, pre, K, B, F);
        codes.ToDense(dense, F);
        Assert.Equal([0, 1, 2, 3, 1 * F + 5, 2 * F + 0, 2 * F + 9, 3 * F + 8], Enumerable.Range(0, B * F).Where(i => dense[i] != 0).ToArray());
    }

    [Theory]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.ReLU)]
    [InlineData(SaeArchitecture.JumpReLU)]
    public void GradientsAreBitIdenticalForAnyThreadCount(SaeArchitecture architecture)
    {
        // Our kernels and our managed GEMM split work so that every sum keeps one order whatever the thread count.
        // OpenBLAS does not promise that (with some core types it splits the inner dimension of the weight
        // gradients' GEMMs across threads), so with OpenBLAS as the process's GEMM the gradients must agree to
        // float rounding instead of bit for bit.
        var bitExact = Gemm.Default is ManagedGemm;
        const int B = 64, D = 48, F = 256;
        var config = new SaeConfig { Architecture = architecture, InputSize = D, Latents = F, K = architecture is SaeArchitecture.TopK ? 8 : 0, Bandwidth = 0.2f };
        var weights = new SaeWeights(config);
        Random(F * D, 4, 0.3f).CopyTo(weights.EncoderWeight, 0);
        Random(F * D, 5, 0.3f).CopyTo(weights.DecoderWeight, 0);
        Random(F, 6, 0.1f).CopyTo(weights.EncoderBias, 0);
        Random(D, 7, 0.1f).CopyTo(weights.DecoderBias, 0);
        if (weights.Threshold.Length > 0) Random(F, 8, 0.2f).Select(v => MathF.Abs(v) + 0.1f).ToArray().CopyTo(weights.Threshold, 0);
        var x = Random(B * D, 9);
        var dead = Enumerable.Range(0, F).Select(j => j % 3 == 0).ToArray();

        (SaeWeights Grads, float[] Dx) Run(int threads)
        {
            var saved = ComputeThreads.Count;
            ComputeThreads.Count = threads;
            try
            {
                var pass = new SaeTrainingPass(weights, new SaeLossSettings(), B);
                pass.Forward(x, B, dead);
                var grads = new SaeWeights(config);
                var dx = new float[B * D];
                pass.Backward(grads, dx);
                return (grads, dx);
            }
            finally
            {
                ComputeThreads.Count = saved;
            }
        }

        var (one, dxOne) = Run(1);
        var (three, dxThree) = Run(3);
        foreach (var (name, a, b) in new[]
        {
            ("W_enc", one.EncoderWeight, three.EncoderWeight), ("W_dec", one.DecoderWeight, three.DecoderWeight),
            ("b_enc", one.EncoderBias, three.EncoderBias), ("b_dec", one.DecoderBias, three.DecoderBias),
            ("threshold", one.Threshold, three.Threshold), ("dx", dxOne, dxThree),
        })
        {
            if (bitExact)
            {
                Assert.Equal(a, b);
                continue;
            }
            // Relative to the tensor's largest magnitude: a sum whose terms cancel is off by rounding of its terms, not of itself.
            var scale = Math.Max(1e-12, a.Select(u => Math.Abs((double)u)).DefaultIfEmpty(0).Max());
            var worst = a.Zip(b, (u, v) => Math.Abs((double)u - v)).DefaultIfEmpty(0).Max() / scale;
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: largest difference between 1 and 3 threads {worst:E2} of its scale ({Gemm.Default.Name})");
            Assert.True(worst <= 1e-5, $"{name}: 1 and 3 threads differ by {worst:E2} of the tensor's scale with {Gemm.Default.Name}");
        }
        Assert.Contains(one.EncoderWeight, v => v != 0);
    }
}
