namespace Fpo.Tensors.Tests;

/// <summary>
/// Every GEMM backend against a double-precision reference: all transpose cases, sizes around the micro-kernel
/// tiles, padded strides, offsets into larger buffers, alpha/beta cases, one and two threads, and bad arguments.
/// </summary>
[Collection(ComputeThreadsCollection.Name)]
public class GemmTests
{
    public static TheoryData<string> Backends()
    {
        var data = new TheoryData<string> { "openblas" };
        foreach (var kernel in Enum.GetValues<ManagedGemmKernel>())
            if (ManagedGemm.IsSupported(kernel)) data.Add("managed-" + kernel.ToString().ToLowerInvariant());
        return data;
    }

    internal static IGemm Backend(string name)
    {
        if (name == "openblas")
            return Gemm.OpenBlas ?? throw new InvalidOperationException($"OpenBLAS did not load: {OpenBlasFailure()}");
        return new ManagedGemm(Enum.GetValues<ManagedGemmKernel>().Single(k => "managed-" + k.ToString().ToLowerInvariant() == name));
    }

    private static string OpenBlasFailure()
    {
        OpenBlasGemm.TryLoad(out var failure);
        return failure;
    }

    // Sizes on both sides of every micro-kernel's MR (4, 6, 12) and NR (4, 16, 32), and 0 and 1.
    private static readonly int[] Dims = [0, 1, 2, 3, 5, 6, 7, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 64, 70];

    [Theory]
    [MemberData(nameof(Backends))]
    public void SmallSizesAllTransposes(string backend)
    {
        var gemm = Backend(backend);
        var random = new Random(7);
        var cases = 0;
        foreach (var transA in new[] { false, true })
            foreach (var transB in new[] { false, true })
                for (var i = 0; i < 60; i++)
                {
                    int m = Dims[random.Next(Dims.Length)], n = Dims[random.Next(Dims.Length)], k = Dims[random.Next(Dims.Length)];
                    Check(gemm, transA, transB, m, n, k, 1f, 0f, pad: i % 3, offset: i % 2 * 5, random);
                    cases++;
                }
        Assert.Equal(240, cases);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void LargerSizesOneAndTwoThreads(string backend)
    {
        var gemm = Backend(backend);
        var random = new Random(11);
        var saved = ComputeThreads.Count;
        try
        {
            foreach (var threads in new[] { 1, 2 })
            {
                ComputeThreads.Count = threads;
                foreach (var transA in new[] { false, true })
                    foreach (var transB in new[] { false, true })
                    {
                        Check(gemm, transA, transB, 257, 129, 300, 1f, 0f, pad: 3, offset: 1, random);
                        Check(gemm, transA, transB, 70, 300, 513, -0.5f, 1.5f, pad: 0, offset: 0, random);
                    }
            }
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void AlphaBetaCases(string backend)
    {
        var gemm = Backend(backend);
        var random = new Random(13);
        foreach (var (alpha, beta) in new[] { (1f, 1f), (0.5f, 2f), (-1.5f, -0.25f), (0f, 0.5f), (0f, 0f), (2f, 0f) })
            foreach (var (m, n, k) in new[] { (13, 33, 17), (1, 1, 1), (40, 20, 0), (64, 65, 300) })
                Check(gemm, alpha < 0, beta > 1, m, n, k, alpha, beta, pad: 2, offset: 3, random);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void BetaZeroDoesNotReadC(string backend)
    {
        var gemm = Backend(backend);
        var random = new Random(17);
        foreach (var (m, n, k) in new[] { (13, 33, 17), (70, 70, 70), (5, 3, 0) })
        {
            var a = RandomFloats(random, m * k);
            var b = RandomFloats(random, k * n);
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            Assert.All(c, x => Assert.False(float.IsNaN(x), $"{gemm.Name}: NaN in C leaked through beta = 0 at {m}x{n}x{k}"));
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ShortSpansAndStridesAreRejected(string backend)
    {
        var gemm = Backend(backend);
        const int m = 4, n = 5, k = 6;
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];

        var e = Assert.Throws<ArgumentException>(() => gemm.Multiply(false, false, m, n, k, 1f, a.AsSpan(1), k, b, n, 0f, c, n));
        Assert.Contains("A has 23 floats but needs 24", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Multiply(false, true, m, n, k, 1f, a, k, b.AsSpan(0, 29), k, 0f, c, n));
        Assert.Contains("B has 29 floats but needs 30", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n + 1));
        Assert.Contains("C has 20 floats but needs 23", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Multiply(true, false, m, n, k, 1f, a, m - 1, b, n, 0f, c, n));
        Assert.Contains("lda=3 is smaller than the 4 columns of A", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Multiply(false, false, -1, n, k, 1f, a, k, b, n, 0f, c, n));
    }

    [Fact]
    public void SelectionFollowsFpoGemmAndAvailability()
    {
        Assert.Equal((true, "default"), Gemm.Select(null, openBlasLoaded: true, ""));
        Assert.True(Gemm.Select("openblas", openBlasLoaded: true, "").UseOpenBlas);
        Assert.Equal((false, "FPO_GEMM=managed"), Gemm.Select("managed", openBlasLoaded: true, ""));
        Assert.Equal((false, "FPO_GEMM=managed"), Gemm.Select(" Managed ", openBlasLoaded: false, "x"));
        var (useOpenBlas, reason) = Gemm.Select("", openBlasLoaded: false, "none of libopenblas.so.0 could be loaded");
        Assert.False(useOpenBlas);
        Assert.Contains("none of libopenblas.so.0 could be loaded", reason);
        var e = Assert.Throws<ArgumentException>(() => Gemm.Select("cublas", openBlasLoaded: true, ""));
        Assert.Contains("FPO_GEMM='cublas'", e.Message);
    }

    /// <summary>
    /// Runs one product with padded strides (+pad) and operands starting at +offset in their buffers, then checks
    /// every C entry against the double reference within the fp32 bound for a k-term sum, and that C's padding is untouched.
    /// </summary>
    private static void Check(IGemm gemm, bool transA, bool transB, int m, int n, int k, float alpha, float beta,
        int pad, int offset, Random random)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        var a = RandomFloats(random, offset + aRows * lda); // (aRows,lda) from offset
        var b = RandomFloats(random, offset + bRows * ldb); // (bRows,ldb) from offset
        var c = RandomFloats(random, offset + m * ldc);     // (m,ldc) from offset
        var c0 = (float[])c.Clone();
        gemm.Multiply(transA, transB, m, n, k, alpha, a.AsSpan(offset), lda, b.AsSpan(offset), ldb, beta, c.AsSpan(offset), ldc);

        var where = $"{gemm.Name} transA={transA} transB={transB} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad} offset={offset} threads={ComputeThreads.Count}";
        for (var i = 0; i < c.Length; i++)
        {
            var row = (i - offset) / Math.Max(ldc, 1);
            var col = (i - offset) - row * ldc;
            if (i < offset || row >= m || col >= n)
            {
                Assert.True(c[i].Equals(c0[i]), $"{where}: C[{i}] outside the {m}x{n} result changed");
                continue;
            }
            double sum = 0, magnitude = 0;
            for (var p = 0; p < k; p++)
            {
                double x = a[offset + (transA ? p * lda + row : row * lda + p)];
                double y = b[offset + (transB ? col * ldb + p : p * ldb + col)];
                sum += x * y;
                magnitude += Math.Abs(x * y);
            }
            var expected = alpha * sum + (beta == 0 ? 0 : beta * (double)c0[i]);
            var bound = (k + 2) * 1.2e-7 * (Math.Abs(alpha) * magnitude + Math.Abs(beta * c0[i])) + 1e-30;
            Assert.True(Math.Abs(c[i] - expected) <= bound,
                $"{where}: C[{row},{col}] = {c[i]}, expected {expected} (|diff| {Math.Abs(c[i] - expected):E3} > bound {bound:E3})");
        }
    }

    private static float[] RandomFloats(Random random, int length)
    {
        var x = new float[length];
        for (var i = 0; i < x.Length; i++) x[i] = random.NextSingle() * 2 - 1;
        return x;
    }
}
