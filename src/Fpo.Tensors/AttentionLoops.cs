using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>
/// The two inner products of attention as register-blocked Vector512 loops (scalar when AVX-512 is absent):
/// a row against a transposed matrix (scores, d-probabilities) and a weighted sum of rows (att @ v and the
/// gradients). At T, HS of a few dozen to a few hundred these beat calling a packed GEMM per head.
/// </summary>
internal static unsafe class AttentionLoops
{
    /// <summary>row[s] = scale * sum_i x[i] * mt[i*ld + s] for s in [0, n); mt is (HS, ld) with ld a multiple of 16 &gt;= n, row has ld entries.</summary>
    public static void RowTimesTransposed(float* row, float* x, float* mt, int ld, int HS, int n, float scale)
    {
        var s0 = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; s0 < n; s0 += 16)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                var i = 0;
                for (; i + 4 <= HS; i += 4)
                {
                    var m = mt + (nint)i * ld + s0;
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[i]), Vector512.Load(m), a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(x[i + 1]), Vector512.Load(m + ld), a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(x[i + 2]), Vector512.Load(m + 2 * ld), a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(x[i + 3]), Vector512.Load(m + 3 * ld), a3);
                }
                for (; i < HS; i++) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[i]), Vector512.Load(mt + (nint)i * ld + s0), a0);
                Vector512.Store((a0 + a1 + (a2 + a3)) * Vector512.Create(scale), row + s0);
            }
            return;
        }
        for (var s = 0; s < n; s++)
        {
            float acc = 0;
            for (var i = 0; i < HS; i++) acc += x[i] * mt[(nint)i * ld + s];
            row[s] = acc * scale;
        }
    }

    /// <summary>
    /// y[c] (+)= sum_{j in [j0, j1)} w[j*wStride] * rows[j*rowStride + c] for c in [0, HS): overwrites y unless
    /// accumulate. Up to four 16-wide column chunks ride in registers across the j loop.
    /// </summary>
    public static void WeightedRowSum(float* y, float* w, int wStride, float* rows, int rowStride, int j0, int j1, int HS, bool accumulate)
    {
        var c = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; c + 64 <= HS; c += 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var j = j0; j < j1; j++)
                {
                    var wj = Vector512.Create(w[(nint)j * wStride]);
                    var r = rows + (nint)j * rowStride + c;
                    a0 = Vector512.FusedMultiplyAdd(wj, Vector512.Load(r), a0);
                    a1 = Vector512.FusedMultiplyAdd(wj, Vector512.Load(r + 16), a1);
                    a2 = Vector512.FusedMultiplyAdd(wj, Vector512.Load(r + 32), a2);
                    a3 = Vector512.FusedMultiplyAdd(wj, Vector512.Load(r + 48), a3);
                }
                Put(y + c, a0, accumulate);
                Put(y + c + 16, a1, accumulate);
                Put(y + c + 32, a2, accumulate);
                Put(y + c + 48, a3, accumulate);
            }
            for (; c + 16 <= HS; c += 16)
            {
                Vector512<float> a0 = default;
                for (var j = j0; j < j1; j++)
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[(nint)j * wStride]), Vector512.Load(rows + (nint)j * rowStride + c), a0);
                Put(y + c, a0, accumulate);
            }
        }
        for (; c < HS; c++)
        {
            float acc = 0;
            for (var j = j0; j < j1; j++) acc += w[(nint)j * wStride] * rows[(nint)j * rowStride + c];
            y[c] = accumulate ? y[c] + acc : acc;
        }
    }

    private static void Put(float* y, Vector512<float> v, bool accumulate) =>
        Vector512.Store(accumulate ? Vector512.Load(y) + v : v, y);

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
