namespace Fpo.Tensors;

/// <summary>Argument checks and the no-product cases shared by every <see cref="IGemm"/>, so native code never sees a short span.</summary>
internal static class GemmArguments
{
    public static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM: dimensions must be >= 0, got m={m} n={n} k={k}");
        CheckOperand("A", "lda", transA ? k : m, transA ? m : k, lda, aLength);
        CheckOperand("B", "ldb", transB ? n : k, transB ? k : n, ldb, bLength);
        CheckOperand("C", "ldc", m, n, ldc, cLength);
    }

    private static void CheckOperand(string name, string ldName, int rows, int cols, int ld, int length)
    {
        if (ld < cols || ld < 0)
            throw new ArgumentException($"GEMM: {ldName}={ld} is smaller than the {cols} columns of {name} as stored ({rows}x{cols})", ldName);
        if (rows == 0 || cols == 0) return;
        var needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"GEMM: {name} has {length} floats but needs {needed} ({rows}x{cols} stored with row stride {ldName}={ld})", name.ToLowerInvariant());
    }

    /// <summary>True when there is no product to add (k = 0 or alpha = 0): C has been set to beta*C, and C is not read when beta = 0.</summary>
    public static bool ScaledOnly(int m, int n, int k, float alpha, float beta, Span<float> c, int ldc)
    {
        if (k != 0 && alpha != 0) return false;
        for (var i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
        return true;
    }
}
