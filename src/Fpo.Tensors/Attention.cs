using System.Numerics.Tensors;

namespace Fpo.Tensors;

/// <summary>
/// Causal multi-head attention with grouped KV heads over a fused qkv row per token:
/// qkv (B,T,(NH+2*NKV)*HS) = [q heads NH | k heads NKV | v heads NKV]; query head h reads kv head h / (NH/NKV).
/// att[b,h,t,s] = softmax over s &lt;= t of (q.k / sqrt(HS)); outp (B,T,NH*HS) = att @ v.
/// Heads run in parallel; every product stops at the causal diagonal, so the masked half costs nothing.
/// </summary>
public static unsafe class Attention
{
    // per-thread scratch: a transposed k or v head (HS, Tpad) and one row of scores (Tpad)
    [ThreadStatic] private static float[]? scratch;

    // outp (B,T,NH*HS), att (B,NH,T,T) probabilities kept for backward (upper triangle 0)
    public static void Forward(Span<float> outp, Span<float> att, ReadOnlySpan<float> qkv, int B, int T, int NH, int NKV, int HS)
    {
        Check("Attention.Forward", outp.Length, att.Length, qkv.Length, B, T, NH, NKV, HS);
        if (B == 0 || T == 0 || HS == 0) return;
        fixed (float* po = outp, pa = att, pq = qkv)
        {
            var heads = new Heads(T, NH, NKV, HS);
            float* o = po, a = pa, q = pq;
            ComputeThreads.For(B * NH, (i0, i1) =>
            {
                for (var i = i0; i < i1; i++) heads.Forward(o, a, q, i / NH, i % NH);
            });
        }
    }

    // dqkv (B,T,(NH+2NKV)*HS) +=; datt (B,NH,T,T) scratch (overwritten)
    public static void Backward(Span<float> dqkv, Span<float> datt, ReadOnlySpan<float> dout, ReadOnlySpan<float> qkv, ReadOnlySpan<float> att, int B, int T, int NH, int NKV, int HS)
    {
        const string K = "Attention.Backward";
        Check(K, dout.Length, datt.Length, qkv.Length, B, T, NH, NKV, HS);
        KernelArgs.Length(att.Length, (long)B * NH * T * T, K, "att", "B*NH*T*T");
        KernelArgs.Length(dqkv.Length, (long)B * T * (NH + 2 * NKV) * HS, K, "dqkv", "B*T*(NH+2*NKV)*HS");
        if (B == 0 || T == 0 || HS == 0) return;
        fixed (float* pdq = dqkv, pda = datt, pd = dout, pq = qkv, pa = att)
        {
            var heads = new Heads(T, NH, NKV, HS);
            float* dq = pdq, da = pda, d = pd, q = pq, a = pa;
            var group = NH / NKV;
            // the query heads of one kv head add into the same dk, dv: a thread takes whole groups
            ComputeThreads.For(B * NKV, (i0, i1) =>
            {
                for (var i = i0; i < i1; i++)
                    for (var h = i % NKV * group; h < (i % NKV + 1) * group; h++)
                        heads.Backward(dq, da, d, q, a, i / NKV, h);
            });
        }
    }

    private readonly struct Heads(int T, int NH, int NKV, int HS)
    {
        private int R => (NH + 2 * NKV) * HS; // qkv row
        private int C => NH * HS;             // outp row
        private int Tpad => (T + 15) & ~15;
        private float Scale => 1f / MathF.Sqrt(HS);

        private long Q(int b, int h) => (long)b * T * R + h * HS;
        private long K(int b, int h) => (long)b * T * R + (NH + h / (NH / NKV)) * HS;
        private long V(int b, int h) => K(b, h) + NKV * HS;
        private long Out(int b, int h) => (long)b * T * C + h * HS;
        private long Att(int b, int h) => ((long)b * NH + h) * T * T;

        private float* Scratch(out float* row)
        {
            var need = HS * Tpad + Tpad;
            if (scratch is null || scratch.Length < need) scratch = GC.AllocateUninitializedArray<float>(need, pinned: true);
            fixed (float* p = scratch)
            {
                row = p + HS * Tpad;
                return p; // pinned array: the pointer stays valid
            }
        }

        public void Forward(float* outp, float* att, float* qkv, int b, int h)
        {
            var kt = Scratch(out var scores); // kt (HS, Tpad), scores (Tpad)
            AttentionLoops.Transpose(kt, Tpad, qkv + K(b, h), R, T, HS);
            for (var t = 0; t < T; t++)
            {
                var p = att + Att(b, h) + (long)t * T;
                AttentionLoops.RowTimesTransposed(scores, qkv + Q(b, h) + (long)t * R, kt, Tpad, HS, t + 1, Scale);
                Softmax.Row(new Span<float>(p, t + 1), new ReadOnlySpan<float>(scores, t + 1));
                new Span<float>(p + t + 1, T - t - 1).Clear();
                AttentionLoops.WeightedRowSum(outp + Out(b, h) + (long)t * C, p, 1, qkv + V(b, h), R, 0, t + 1, HS, accumulate: false);
            }
        }

        public void Backward(float* dqkv, float* datt, float* dout, float* qkv, float* att, int b, int h)
        {
            var vt = Scratch(out var dp); // vt (HS, Tpad), dp (Tpad)
            AttentionLoops.Transpose(vt, Tpad, qkv + V(b, h), R, T, HS);
            float* a = att + Att(b, h), da = datt + Att(b, h);
            for (var t = 0; t < T; t++)
            {
                AttentionLoops.RowTimesTransposed(dp, dout + Out(b, h) + (long)t * C, vt, Tpad, HS, t + 1, 1f);
                var p = a + (long)t * T;
                var dot = TensorPrimitives.Dot(new ReadOnlySpan<float>(dp, t + 1), new ReadOnlySpan<float>(p, t + 1));
                // da row t = gradient of the scaled scores, with the 1/sqrt(HS) folded in
                Softmax.RowBackward(da + (long)t * T, dp, p, dot, t + 1, null);
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(da + (long)t * T, t + 1), Scale, new Span<float>(da + (long)t * T, t + 1));
                AttentionLoops.WeightedRowSum(dqkv + Q(b, h) + (long)t * R, da + (long)t * T, 1, qkv + K(b, h), R, 0, t + 1, HS, accumulate: true);
            }
            // key and value s collect from the queries t >= s: columns of da and att
            for (var s = 0; s < T; s++)
            {
                AttentionLoops.WeightedRowSum(dqkv + K(b, h) + (long)s * R, da + s, T, qkv + Q(b, h), R, s, T, HS, accumulate: true);
                AttentionLoops.WeightedRowSum(dqkv + V(b, h) + (long)s * R, a + s, T, dout + Out(b, h), C, s, T, HS, accumulate: true);
            }
        }
    }

    private static void Check(string kernel, int outLength, int attLength, int qkvLength, int B, int T, int NH, int NKV, int HS)
    {
        KernelArgs.Positive(B, kernel, nameof(B));
        KernelArgs.Positive(T, kernel, nameof(T));
        KernelArgs.Positive(HS, kernel, nameof(HS));
        if (NH <= 0 || NKV <= 0 || NH % NKV != 0)
            throw new ArgumentException($"{kernel}: NH={NH} query heads must be a positive multiple of NKV={NKV} kv heads");
        KernelArgs.Length(outLength, (long)B * T * NH * HS, kernel, "outp/dout", "B*T*NH*HS");
        KernelArgs.Length(attLength, (long)B * NH * T * T, kernel, "att/datt", "B*NH*T*T");
        KernelArgs.Length(qkvLength, (long)B * T * (NH + 2 * NKV) * HS, kernel, "qkv", "B*T*(NH+2*NKV)*HS");
    }
}
