using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fpo.Tensors;

/// <summary>
/// out = inp @ weight^T + bias for the few rows of a decode step (one row per sequence), weight (OC, C) as
/// torch.nn.Linear, in fp32 or with the weight stored as bfloat16 (activations and accumulation stay fp32).
/// The weight is streamed once per call, 4 to 8 weight rows at a time against up to 4 input rows, split over
/// <see cref="ComputeThreads"/> by output channel in one dispatch.
/// <para>
/// Row-independence contract: every output element out[n,o] is computed by the same sequence of floating-point
/// operations whatever N is, whatever the other rows hold and however the threads split OC:
/// acc (16 lanes) = 0; for c = 0, 16, 32, … below C rounded down to 16: acc = fma(inp[n,c..c+16], w[o,c..c+16], acc);
/// s = the fixed-order lane sum of acc; for the remaining c in order: s = fma(inp[n,c], w[o,c], s); out = s + bias[o].
/// Register blocking only chooses which elements are computed side by side, never how one is reduced, so a
/// sequence's logits are bitwise identical decoded alone or in any batch.
/// </para>
/// </summary>
public static unsafe class DecodeLinear
{
    private const int Lanes = 16;
    private const int RowBlock = 4;     // input rows per register block
    private const int WeightBlock = 8;  // weight rows per thread work item (two 4-row blocks, or eight for a lone row)

    // outp (N,OC), inp (N,C), weight (OC,C) fp32, bias (OC) or empty
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, int OC)
    {
        Check("DecodeLinear.Forward", outp.Length, inp.Length, weight.Length, bias.Length, N, C, OC);
        if (N == 0 || OC == 0) return;
        fixed (float* o = outp, x = inp, w = weight, b = bias)
            DecodeLinearJob<float, Fp32Weights>.Run(o, x, w, bias.IsEmpty ? null : b, N, C, OC);
    }

    // outp (N,OC), inp (N,C), weight (OC,C) bfloat16 bits (the high half of an fp32), bias (OC) or empty
    public static void ForwardBFloat16(Span<float> outp, ReadOnlySpan<float> inp, ReadOnlySpan<ushort> weight, ReadOnlySpan<float> bias, int N, int C, int OC)
    {
        Check("DecodeLinear.ForwardBFloat16", outp.Length, inp.Length, weight.Length, bias.Length, N, C, OC);
        if (N == 0 || OC == 0) return;
        fixed (float* o = outp, x = inp, b = bias)
        fixed (ushort* w = weight)
            DecodeLinearJob<ushort, Bf16Weights>.Run(o, x, w, bias.IsEmpty ? null : b, N, C, OC);
    }

    // Work items of WeightBlock weight rows; each computes its rows against every input row.
    internal static void RunItems<TW, TLoad>(float* outp, float* inp, TW* weight, float* bias, int N, int C, int OC, int start, int end)
        where TW : unmanaged where TLoad : IWeightLoad<TW>
    {
        for (var item = start; item < end; item++)
        {
            var o0 = item * WeightBlock;
            if (o0 + WeightBlock > OC)
            {
                for (var o = o0; o < OC; o++)
                    for (var n = 0; n < N; n++)
                        outp[(long)n * OC + o] = Dot1x1<TW, TLoad>(inp + (long)n * C, weight + (long)o * C, C) + Bias(bias, o);
                continue;
            }
            // The blocks of several rows are compute-bound and read the item's weights from cache after the first
            // pass, so the hardware prefetcher falls behind on the next item: fetch it in even steps along the passes.
            var ahead = (byte*)(weight + (long)(o0 + WeightBlock) * C);
            var aheadEnd = ahead + (long)WeightBlock * C * sizeof(TW);
            var steps = Math.Max(1, N / RowBlock * 2 * (C / Lanes));
            var linesPerStep = (int)(((aheadEnd - ahead) / 64 + steps - 1) / steps);
            var n0 = 0;
            for (; n0 + RowBlock <= N; n0 += RowBlock)
            {
                Block4x4<TW, TLoad>(outp, inp, weight, bias, n0, o0, C, OC, ref ahead, aheadEnd, linesPerStep);
                Block4x4<TW, TLoad>(outp, inp, weight, bias, n0, o0 + 4, C, OC, ref ahead, aheadEnd, linesPerStep);
            }
            for (; n0 < N; n0++) Block1x8<TW, TLoad>(outp, inp, weight, bias, n0, o0, C, OC);
        }
    }

    internal static int Items(int OC) => (OC + WeightBlock - 1) / WeightBlock;

    // outp[n0..n0+4, o0..o0+4]
    private static void Block4x4<TW, TLoad>(float* outp, float* inp, TW* weight, float* bias, int n0, int o0, int C, int OC,
        ref byte* ahead, byte* aheadEnd, int linesPerStep) where TW : unmanaged where TLoad : IWeightLoad<TW>
    {
        float* x0 = inp + (long)n0 * C, x1 = x0 + C, x2 = x1 + C, x3 = x2 + C;
        TW* w0 = weight + (long)o0 * C, w1 = w0 + C, w2 = w1 + C, w3 = w2 + C;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        var c = 0;
        for (; c + Lanes <= C; c += Lanes)
        {
            for (var line = 0; line < linesPerStep && ahead < aheadEnd; line++, ahead += 64) Sse.Prefetch0(ahead);
            Vector512<float> v0 = TLoad.Load(w0 + c), v1 = TLoad.Load(w1 + c), v2 = TLoad.Load(w2 + c), v3 = TLoad.Load(w3 + c);
            var x = Vector512.Load(x0 + c);
            a00 = Vector512.FusedMultiplyAdd(x, v0, a00); a01 = Vector512.FusedMultiplyAdd(x, v1, a01);
            a02 = Vector512.FusedMultiplyAdd(x, v2, a02); a03 = Vector512.FusedMultiplyAdd(x, v3, a03);
            x = Vector512.Load(x1 + c);
            a10 = Vector512.FusedMultiplyAdd(x, v0, a10); a11 = Vector512.FusedMultiplyAdd(x, v1, a11);
            a12 = Vector512.FusedMultiplyAdd(x, v2, a12); a13 = Vector512.FusedMultiplyAdd(x, v3, a13);
            x = Vector512.Load(x2 + c);
            a20 = Vector512.FusedMultiplyAdd(x, v0, a20); a21 = Vector512.FusedMultiplyAdd(x, v1, a21);
            a22 = Vector512.FusedMultiplyAdd(x, v2, a22); a23 = Vector512.FusedMultiplyAdd(x, v3, a23);
            x = Vector512.Load(x3 + c);
            a30 = Vector512.FusedMultiplyAdd(x, v0, a30); a31 = Vector512.FusedMultiplyAdd(x, v1, a31);
            a32 = Vector512.FusedMultiplyAdd(x, v2, a32); a33 = Vector512.FusedMultiplyAdd(x, v3, a33);
        }
        var row = outp + (long)n0 * OC + o0;
        Store4<TW, TLoad>(row, a00, a01, a02, a03, x0, w0, bias, o0, c, C);
        Store4<TW, TLoad>(row + OC, a10, a11, a12, a13, x1, w0, bias, o0, c, C);
        Store4<TW, TLoad>(row + 2L * OC, a20, a21, a22, a23, x2, w0, bias, o0, c, C);
        Store4<TW, TLoad>(row + 3L * OC, a30, a31, a32, a33, x3, w0, bias, o0, c, C);
    }

    // outp[n, o0..o0+8]: a lone input row takes eight weight rows so eight FMA chains stay in flight
    private static void Block1x8<TW, TLoad>(float* outp, float* inp, TW* weight, float* bias, int n, int o0, int C, int OC)
        where TW : unmanaged where TLoad : IWeightLoad<TW>
    {
        var xr = inp + (long)n * C;
        TW* w0 = weight + (long)o0 * C, w4 = w0 + 4L * C;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        // A lone row is bound by memory: the eight rows are eight short interleaved streams that the hardware
        // prefetcher follows poorly, so fetch the next eight rows (contiguous) ahead, as many bytes per step as are used
        // (one line in two: the adjacent-line prefetcher brings its pair).
        var ahead = (byte*)(w0 + 8L * C);
        var c = 0;
        for (; c + Lanes <= C; c += Lanes, ahead += 8 * Lanes * sizeof(TW))
        {
            for (var line = 0; line < 8 * Lanes * sizeof(TW); line += 128) Sse.Prefetch0(ahead + line);
            var x = Vector512.Load(xr + c);
            a0 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w0 + c), a0);
            a1 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w0 + C + c), a1);
            a2 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w0 + 2L * C + c), a2);
            a3 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w0 + 3L * C + c), a3);
            a4 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w4 + c), a4);
            a5 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w4 + C + c), a5);
            a6 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w4 + 2L * C + c), a6);
            a7 = Vector512.FusedMultiplyAdd(x, TLoad.Load(w4 + 3L * C + c), a7);
        }
        var row = outp + (long)n * OC + o0;
        Store4<TW, TLoad>(row, a0, a1, a2, a3, xr, w0, bias, o0, c, C);
        Store4<TW, TLoad>(row + 4, a4, a5, a6, a7, xr, w4, bias, o0 + 4, c, C);
    }

    // A weight row the blocks cannot cover (OC not a multiple of 8), one element at a time.
    private static float Dot1x1<TW, TLoad>(float* x, TW* w, int C) where TW : unmanaged where TLoad : IWeightLoad<TW>
    {
        Vector512<float> acc = default;
        var c = 0;
        for (; c + Lanes <= C; c += Lanes) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + c), TLoad.Load(w + c), acc);
        return Finish<TW, TLoad>(acc, x, w, c, C);
    }

    // out[0..4] of one input row against weight rows w0, w0+C, w0+2C, w0+3C
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<TW, TLoad>(float* outp, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2,
        Vector512<float> a3, float* x, TW* w0, float* bias, int o0, int c, int C) where TW : unmanaged where TLoad : IWeightLoad<TW>
    {
        outp[0] = Finish<TW, TLoad>(a0, x, w0, c, C) + Bias(bias, o0);
        outp[1] = Finish<TW, TLoad>(a1, x, w0 + C, c, C) + Bias(bias, o0 + 1);
        outp[2] = Finish<TW, TLoad>(a2, x, w0 + 2L * C, c, C) + Bias(bias, o0 + 2);
        outp[3] = Finish<TW, TLoad>(a3, x, w0 + 3L * C, c, C) + Bias(bias, o0 + 3);
    }

    // The one reduction epilogue every element goes through: fixed-order lane sum, then the tail of C in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish<TW, TLoad>(Vector512<float> acc, float* x, TW* w, int c, int C) where TW : unmanaged where TLoad : IWeightLoad<TW>
    {
        var half = acc.GetLower() + acc.GetUpper();
        var quarter = half.GetLower() + half.GetUpper();
        var s = (quarter.GetElement(0) + quarter.GetElement(1)) + (quarter.GetElement(2) + quarter.GetElement(3));
        for (; c < C; c++) s = MathF.FusedMultiplyAdd(x[c], TLoad.Scalar(w + c), s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bias(float* bias, int o) => bias is null ? 0f : bias[o];

    private static void Check(string kernel, int outLength, int inpLength, int weightLength, int biasLength, int N, int C, int OC)
    {
        KernelArgs.Positive(N, kernel, nameof(N));
        KernelArgs.Positive(C, kernel, nameof(C));
        KernelArgs.Positive(OC, kernel, nameof(OC));
        KernelArgs.Length(outLength, (long)N * OC, kernel, "outp", "N*OC");
        KernelArgs.Length(inpLength, (long)N * C, kernel, "inp", "N*C");
        KernelArgs.Length(weightLength, (long)OC * C, kernel, "weight", "OC*C");
        if (biasLength != 0) KernelArgs.Length(biasLength, OC, kernel, "bias", "OC");
    }
}

/// <summary>How a decode kernel turns 16 stored weights (or one) into fp32.</summary>
internal unsafe interface IWeightLoad<TW> where TW : unmanaged
{
    static abstract Vector512<float> Load(TW* w);
    static abstract float Scalar(TW* w);
}

internal readonly unsafe struct Fp32Weights : IWeightLoad<float>
{
    public static Vector512<float> Load(float* w) => Vector512.Load(w);
    public static float Scalar(float* w) => *w;
}

// bfloat16 is the high half of an fp32: zero-extend each 16-bit word to 32 bits and shift it up (exact).
internal readonly unsafe struct Bf16Weights : IWeightLoad<ushort>
{
    public static Vector512<float> Load(ushort* w) => Avx512F.IsSupported
        ? Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load(w)), 16).AsSingle()
        : Vector512.ShiftLeft(Vector512.WidenLower(Vector512.Create(Vector256.Load(w), Vector256<ushort>.Zero)), 16).AsSingle();
    public static float Scalar(ushort* w) => BitConverter.Int32BitsToSingle(*w << 16);
}
