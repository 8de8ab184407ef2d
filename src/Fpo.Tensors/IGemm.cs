namespace Fpo.Tensors;

/// <summary>
/// Single-precision matrix multiply on row-major storage:
/// C[m,n] = alpha * sum_p op(A)[m,p] * op(B)[p,n] + beta * C[m,n].
/// op(A) is A (m,k) with row stride lda, or when transA is set A is stored (k,m) with row stride lda.
/// op(B) is B (k,n) with row stride ldb, or when transB is set B is stored (n,k) with row stride ldb.
/// beta = 0 overwrites C without reading it (NaN in C does not leak).
/// </summary>
public interface IGemm
{
    /// <summary>Short name for logs and benchmarks, e.g. "openblas" or "managed-avx512".</summary>
    string Name { get; }

    void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc);
}
