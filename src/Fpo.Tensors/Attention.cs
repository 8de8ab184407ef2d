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
    // per-thread scratch: a transposed k or v head (HS, Tpad) and four rows of scores (4, Tpad)
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

        private float* Scratch(out float* rows)
        {
            var need = HS * Tpad + 4 * Tpad;
            if (scratch is null || scratch.Length < need) scratch = GC.AllocateUninitializedArray<float>(need, pinned: true);
            fixed (float* p = scratch)
            {
                rows = p + HS * Tpad;
                return p; // pinned array: the pointer stays valid
            }
        }

        // query rows go four at a time (the register block of AttentionLoops); block t0 needs keys [0, t0 + rows)
        public void Forward(float* outp, float* att, float* qkv, int b, int h)
        {
            var kt = Scratch(out var scores); // kt (HS, Tpad), scores (4, Tpad)
            AttentionLoops.Transpose(kt, Tpad, qkv + K(b, h), R, T, HS);
            var a = att + Att(b, h);
            for (var t0 = 0; t0 < T; t0 += 4)
            {
                int rows = Math.Min(4, T - t0), n = t0 + rows;
                AttentionLoops.WeightedRows(scores, Tpad, rows, qkv + Q(b, h) + (long)t0 * R, R, 1, kt, Tpad, 0, HS, (n + 15) & ~15, false);
                for (var r = 0; r < rows; r++)
                {
                    var t = t0 + r;
                    var row = new Span<float>(scores + r * Tpad, t + 1);
                    TensorPrimitives.Multiply(row, Scale, row);
                    Softmax.Row(new Span<float>(a + (long)t * T, t + 1), row);
                    new Span<float>(a + (long)t * T + t + 1, T - t - 1).Clear();
                }
                AttentionLoops.WeightedRows(outp + Out(b, h) + (long)t0 * C, C, rows, a + (long)t0 * T, T, 1, qkv + V(b, h), R, 0, n, HS, false);
            }
        }

        public void Backward(float* dqkv, float* datt, float* dout, float* qkv, float* att, int b, int h)
        {
            var vt = Scratch(out var dp); // vt (HS, Tpad), dp (4, Tpad)
            AttentionLoops.Transpose(vt, Tpad, qkv + V(b, h), R, T, HS);
            float* a = att + Att(b, h), da = datt + Att(b, h);
            for (var t0 = 0; t0 < T; t0 += 4)
            {
                int rows = Math.Min(4, T - t0), n = t0 + rows;
                AttentionLoops.WeightedRows(dp, Tpad, rows, dout + Out(b, h) + (long)t0 * C, C, 1, vt, Tpad, 0, HS, (n + 15) & ~15, false);
                for (var r = 0; r < rows; r++)
                {
                    var t = t0 + r;
                    float* p = a + (long)t * T, drow = da + (long)t * T;
                    var dot = TensorPrimitives.Dot(new ReadOnlySpan<float>(dp + r * Tpad, t + 1), new ReadOnlySpan<float>(p, t + 1));
                    // da row t = gradient of the scaled scores with 1/sqrt(HS) folded in; zero past the diagonal
                    Softmax.RowBackward(drow, dp + r * Tpad, p, dot, t + 1, null);
                    TensorPrimitives.Multiply(new ReadOnlySpan<float>(drow, t + 1), Scale, new Span<float>(drow, t + 1));
                    new Span<float>(drow + t + 1, T - t - 1).Clear();
                }
                AttentionLoops.WeightedRows(dqkv + Q(b, h) + (long)t0 * R, R, rows, da + (long)t0 * T, T, 1, qkv + K(b, h), R, 0, n, HS, true);
            }
            // keys and values s collect from the queries t >= s: da and att read by columns
            for (var s0 = 0; s0 < T; s0 += 4)
            {
                var rows = Math.Min(4, T - s0);
                AttentionLoops.WeightedRows(dqkv + K(b, h) + (long)s0 * R, R, rows, da + s0, 1, T, qkv + Q(b, h), R, s0, T, HS, true);
                AttentionLoops.WeightedRows(dqkv + V(b, h) + (long)s0 * R, R, rows, a + s0, 1, T, dout + Out(b, h), C, s0, T, HS, true);
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
