namespace Fpo.Tensors;

public static class Gemm
{
    /// <summary>OpenBLAS when libopenblas.so.0 loads and FPO_GEMM != managed; else the managed SIMD GEMM. Logged once.</summary>
    public static IGemm Default => throw new NotImplementedException();

    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) => throw new NotImplementedException();
}
