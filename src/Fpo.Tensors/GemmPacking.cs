using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Fpo.Tensors;

/// <summary>
/// Copies a block of a GEMM operand into micro-kernel slivers. Packing A (slivers of MR rows of op(A)) and packing B
/// (slivers of NR columns of op(B)) are the same copy seen as x(w, q): w runs along the sliver width (rows of op(A),
/// columns of op(B)), q along the shared dimension k. The four transpose cases become the two storage orders of x.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// dst (ceil(width/W), depth, W): dst[s][q][w] = x(s*W + w, q), zero for s*W + w &gt;= width.
    /// x(w, q) = src[q*ld + w] when <paramref name="widthContiguous"/>, else src[w*ld + q].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(float* dst, float* src, nint ld, bool widthContiguous, int width, int depth, int W)
    {
        for (var s = 0; s < width; s += W, dst += (nint)depth * W)
        {
            var ws = Math.Min(W, width - s);
            if (widthContiguous) CopyRows(dst, src + s, ld, ws, depth, W);
            else TransposeRows(dst, src + s * ld, ld, ws, depth, W);
        }
    }

    // dst[q][w] = src[q*ld + w] for w < ws, 0 up to W.
    private static void CopyRows(float* dst, float* src, nint ld, int ws, int depth, int W)
    {
        for (var q = 0; q < depth; q++, src += ld, dst += W)
        {
            Buffer.MemoryCopy(src, dst, ws * sizeof(float), ws * sizeof(float));
            for (var w = ws; w < W; w++) dst[w] = 0;
        }
    }

    // dst[q][w] = src[w*ld + q] for w < ws, 0 up to W; 8x8 and 4x4 register transposes where AVX and SSE have them.
    private static void TransposeRows(float* dst, float* src, nint ld, int ws, int depth, int W)
    {
        var w8 = Avx.IsSupported ? ws / 8 * 8 : 0;
        var q8 = depth / 8 * 8;
        for (var w = 0; w < w8; w += 8)
        {
            for (var q = 0; q < q8; q += 8)
                Transpose8x8(src + w * ld + q, ld, dst + q * W + w, W);
            for (var q = q8; q < depth; q++)
                for (var i = w; i < w + 8; i++) dst[q * W + i] = src[i * ld + q];
        }
        var w4 = w8 + (Sse.IsSupported ? (ws - w8) / 4 * 4 : 0);
        var q4 = depth / 4 * 4;
        for (var w = w8; w < w4; w += 4)
        {
            for (var q = 0; q < q4; q += 4)
                Transpose4x4(src + w * ld + q, ld, dst + q * W + w, W);
            for (var q = q4; q < depth; q++)
                for (var i = w; i < w + 4; i++) dst[q * W + i] = src[i * ld + q];
        }
        for (var w = w4; w < ws; w++)
        {
            var row = src + w * ld;
            for (var q = 0; q < depth; q++) dst[q * W + w] = row[q];
        }
        for (var w = ws; w < W; w++)
            for (var q = 0; q < depth; q++) dst[q * W + w] = 0;
    }

    // d[j*ld + i] = s[i*ls + j] for a 4x4 block (the rows of a 12-row A sliver past the first 8).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* s, nint ls, float* d, nint ld)
    {
        var t0 = Sse.UnpackLow(Sse.LoadVector128(s), Sse.LoadVector128(s + ls));
        var t1 = Sse.UnpackHigh(Sse.LoadVector128(s), Sse.LoadVector128(s + ls));
        var t2 = Sse.UnpackLow(Sse.LoadVector128(s + 2 * ls), Sse.LoadVector128(s + 3 * ls));
        var t3 = Sse.UnpackHigh(Sse.LoadVector128(s + 2 * ls), Sse.LoadVector128(s + 3 * ls));
        Sse.Store(d, Sse.MoveLowToHigh(t0, t2));
        Sse.Store(d + ld, Sse.MoveHighToLow(t2, t0));
        Sse.Store(d + 2 * ld, Sse.MoveLowToHigh(t1, t3));
        Sse.Store(d + 3 * ld, Sse.MoveHighToLow(t3, t1));
    }

    // d[j*ld + i] = s[i*ls + j] for an 8x8 block: unpack pairs of rows, shuffle pairs of pairs, swap 128-bit lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, nint ls, float* d, nint ld)
    {
        var t0 = Avx.UnpackLow(Avx.LoadVector256(s), Avx.LoadVector256(s + ls));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(s), Avx.LoadVector256(s + ls));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(s + 6 * ls), Avx.LoadVector256(s + 7 * ls));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(s + 6 * ls), Avx.LoadVector256(s + 7 * ls));
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ld, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ld, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ld, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ld, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ld, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ld, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ld, Avx.Permute2x128(u3, u7, 0x31));
    }
}
