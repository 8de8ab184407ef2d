using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>
/// The one product attention needs, as a register-blocked Vector512 loop (scalar when AVX-512 is absent):
/// y[r, c] (+)= sum_j w[r, j] * x[j, c] for a few rows r, with w read at any row and column stride, so the same
/// loop serves scores (q against transposed k), att @ v, and the gradients that read att by columns.
/// At T, HS of a few dozen to a few hundred this beats packing a GEMM per head.
/// </summary>
internal static unsafe class AttentionLoops
{
    /// <summary>
    /// y[r*yStride + c] (+)= sum_{j0 &lt;= j &lt; j1} w[r*wRow + j*wCol] * x[j*xStride + c] for r &lt; rows, c &lt; cols;
    /// overwrites y unless accumulate.
    /// </summary>
    public static void WeightedRows(float* y, int yStride, int rows, float* w, int wRow, int wCol,
        float* x, int xStride, int j0, int j1, int cols, bool accumulate)
    {
        var r = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; r + 4 <= rows; r += 4)
                FourRows(y + (nint)r * yStride, yStride, w + (nint)r * wRow, wRow, wCol, x, xStride, j0, j1, cols, accumulate);
        for (; r < rows; r++)
            OneRow(y + (nint)r * yStride, w + (nint)r * wRow, wCol, x, xStride, j0, j1, cols, accumulate);
    }

    // four rows share every load of x: 16 accumulators over 64 columns, then 4 over 16, then scalar columns
    private static void FourRows(float* y, int yStride, float* w, int wRow, int wCol,
        float* x, int xStride, int j0, int j1, int cols, bool accumulate)
    {
        var c = 0;
        for (; c + 64 <= cols; c += 64)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (var j = j0; j < j1; j++)
            {
                var xj = x + (nint)j * xStride + c;
                Vector512<float> x0 = Vector512.Load(xj), x1 = Vector512.Load(xj + 16), x2 = Vector512.Load(xj + 32), x3 = Vector512.Load(xj + 48);
                var wj = w + (nint)j * wCol;
                var w0 = Vector512.Create(wj[0]);
                a00 = Vector512.FusedMultiplyAdd(w0, x0, a00); a01 = Vector512.FusedMultiplyAdd(w0, x1, a01);
                a02 = Vector512.FusedMultiplyAdd(w0, x2, a02); a03 = Vector512.FusedMultiplyAdd(w0, x3, a03);
                var w1 = Vector512.Create(wj[wRow]);
                a10 = Vector512.FusedMultiplyAdd(w1, x0, a10); a11 = Vector512.FusedMultiplyAdd(w1, x1, a11);
                a12 = Vector512.FusedMultiplyAdd(w1, x2, a12); a13 = Vector512.FusedMultiplyAdd(w1, x3, a13);
                var w2 = Vector512.Create(wj[2 * wRow]);
                a20 = Vector512.FusedMultiplyAdd(w2, x0, a20); a21 = Vector512.FusedMultiplyAdd(w2, x1, a21);
                a22 = Vector512.FusedMultiplyAdd(w2, x2, a22); a23 = Vector512.FusedMultiplyAdd(w2, x3, a23);
                var w3 = Vector512.Create(wj[3 * wRow]);
                a30 = Vector512.FusedMultiplyAdd(w3, x0, a30); a31 = Vector512.FusedMultiplyAdd(w3, x1, a31);
                a32 = Vector512.FusedMultiplyAdd(w3, x2, a32); a33 = Vector512.FusedMultiplyAdd(w3, x3, a33);
            }
            Put(y + c, a00, a01, a02, a03, accumulate);
            Put(y + yStride + c, a10, a11, a12, a13, accumulate);
            Put(y + 2 * yStride + c, a20, a21, a22, a23, accumulate);
            Put(y + 3 * yStride + c, a30, a31, a32, a33, accumulate);
        }
        for (; c + 16 <= cols; c += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var j = j0; j < j1; j++)
            {
                var xj = Vector512.Load(x + (nint)j * xStride + c);
                var wj = w + (nint)j * wCol;
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(wj[0]), xj, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(wj[wRow]), xj, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(wj[2 * wRow]), xj, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(wj[3 * wRow]), xj, a3);
            }
            Put(y + c, a0, accumulate);
            Put(y + yStride + c, a1, accumulate);
            Put(y + 2 * yStride + c, a2, accumulate);
            Put(y + 3 * yStride + c, a3, accumulate);
        }
        if (c < cols)
            for (var r = 0; r < 4; r++)
                OneRow(y + (nint)r * yStride + c, w + (nint)r * wRow, wCol, x + c, xStride, j0, j1, cols - c, accumulate);
    }

    private static void OneRow(float* y, float* w, int wCol, float* x, int xStride, int j0, int j1, int cols, bool accumulate)
    {
        var c = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; c + 16 <= cols; c += 16)
            {
                Vector512<float> a0 = default, a1 = default;
                var j = j0;
                for (; j + 2 <= j1; j += 2)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[(nint)j * wCol]), Vector512.Load(x + (nint)j * xStride + c), a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(w[(nint)(j + 1) * wCol]), Vector512.Load(x + (nint)(j + 1) * xStride + c), a1);
                }
                if (j < j1) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[(nint)j * wCol]), Vector512.Load(x + (nint)j * xStride + c), a0);
                Put(y + c, a0 + a1, accumulate);
            }
        for (; c < cols; c++)
        {
            float acc = 0;
            for (var j = j0; j < j1; j++) acc += w[(nint)j * wCol] * x[(nint)j * xStride + c];
            y[c] = accumulate ? y[c] + acc : acc;
        }
    }

    private static void Put(float* y, Vector512<float> v, bool accumulate) =>
        Vector512.Store(accumulate ? Vector512.Load(y) + v : v, y);

    private static void Put(float* y, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, bool accumulate)
    {
        Put(y, v0, accumulate);
        Put(y + 16, v1, accumulate);
        Put(y + 32, v2, accumulate);
        Put(y + 48, v3, accumulate);
    }

    /// <summary>mt (HS, ld) = the transpose of T rows of HS at stride rowStride, columns T..ld zero.</summary>
    public static void Transpose(float* mt, int ld, float* rows, int rowStride, int T, int HS)
    {
        for (var i = 0; i < HS; i++)
        {
            var dst = mt + (nint)i * ld;
            for (var s = 0; s < T; s++) dst[s] = rows[(nint)s * rowStride + i];
            new Span<float>(dst + T, ld - T).Clear();
        }
    }
}
