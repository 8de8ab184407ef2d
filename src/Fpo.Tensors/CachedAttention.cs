using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>
/// Attention of new query rows against a KV cache, for incremental decoding. Row n belongs to cache slot
/// slots[n] and sits at position positions[n]; query head h reads kv head h / (NH/NKV) and attends to the cached
/// positions 0..positions[n] of its slot: outp[n,h] = sum_j softmax_j(q.k_j / sqrt(HS)) v_j.
/// Caches are laid out (slots, NKV, capacity, HS) so one head's keys are contiguous.
/// </summary>
public static class CachedAttention
{
    private const int StackScores = 2048;

    // kcache, vcache (slots, NKV, capacity, HS) receive the k and v heads of qkv (N, (NH+2NKV)*HS) at (slot, position)
    public static void Append(Span<float> kcache, Span<float> vcache, ReadOnlySpan<float> qkv, ReadOnlySpan<int> slots,
        ReadOnlySpan<int> positions, int N, int NH, int NKV, int HS, int capacity)
    {
        var QKV = (NH + 2 * NKV) * HS;
        for (var n = 0; n < N; n++)
        {
            var row = qkv.Slice(n * QKV, QKV);
            for (var h = 0; h < NKV; h++)
            {
                var dst = ((slots[n] * NKV + h) * capacity + positions[n]) * HS;
                row.Slice((NH + h) * HS, HS).CopyTo(kcache.Slice(dst, HS));
                row.Slice((NH + NKV + h) * HS, HS).CopyTo(vcache.Slice(dst, HS));
            }
        }
    }

    // outp (N, NH*HS); qkv (N, (NH+2NKV)*HS) supplies the queries; the rows' own k, v must already be appended
    public static unsafe void Forward(Span<float> outp, ReadOnlySpan<float> qkv, ReadOnlySpan<float> kcache,
        ReadOnlySpan<float> vcache, ReadOnlySpan<int> slots, ReadOnlySpan<int> positions, int N, int NH, int NKV, int HS, int capacity)
    {
        fixed (float* outPtr = outp, qkvPtr = qkv, kPtr = kcache, vPtr = vcache)
        fixed (int* slotPtr = slots, posPtr = positions)
        {
            var job = idleJob ?? new Job();
            idleJob = null;
            (job.Out, job.Qkv, job.K, job.V, job.Slots, job.Positions) = ((nint)outPtr, (nint)qkvPtr, (nint)kPtr, (nint)vPtr, (nint)slotPtr, (nint)posPtr);
            (job.NH, job.NKV, job.HS, job.Capacity) = (NH, NKV, HS, capacity);
            try
            {
                ComputeThreads.For(N * NH, job.RunItems);
            }
            finally
            {
                idleJob = job;
            }
        }
    }

    // One call's arguments in a reused per-thread object, so a decode step dispatches without allocating a closure.
    [ThreadStatic] private static Job? idleJob;

    private sealed unsafe class Job
    {
        public nint Out, Qkv, K, V, Slots, Positions;
        public int NH, NKV, HS, Capacity;
        public readonly Action<int, int> RunItems;

        public Job() => RunItems = Run;

        private void Run(int start, int end)
        {
            for (var item = start; item < end; item++) AttendItem(item);
        }

        // query head h of row n against its kv head's cached positions 0..positions[n]
        private void AttendItem(int item)
        {
            int n = item / NH, h = item % NH, pos = ((int*)Positions)[n], QKV = (NH + 2 * NKV) * HS;
            var kvBase = (((int*)Slots)[n] * NKV + h / (NH / NKV)) * Capacity * HS;
            var query = new ReadOnlySpan<float>((float*)Qkv + n * QKV + h * HS, HS);
            var keys = new ReadOnlySpan<float>((float*)K + kvBase, (pos + 1) * HS);
            var values = new ReadOnlySpan<float>((float*)V + kvBase, (pos + 1) * HS);
            var dst = new Span<float>((float*)Out + n * NH * HS + h * HS, HS);
            float[]? rented = pos + 1 > StackScores ? ArrayPool<float>.Shared.Rent(pos + 1) : null;
            var scores = rented is null ? stackalloc float[pos + 1] : rented.AsSpan(0, pos + 1);
            AttendOne(dst, scores, query, keys, values, HS, 1f / MathF.Sqrt(HS));
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    // dst (HS) = softmax(scale * keys @ query) @ values over keys, values (J, HS)
    private static void AttendOne(Span<float> dst, Span<float> scores, ReadOnlySpan<float> query,
        ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int HS, float scale)
    {
        if (Vector512.IsHardwareAccelerated && HS % 16 == 0) Scores512(scores, query, keys, HS, scale);
        else
            for (var j = 0; j < scores.Length; j++)
                scores[j] = TensorPrimitives.Dot(query, keys.Slice(j * HS, HS)) * scale;
        var max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Divide(scores, TensorPrimitives.Sum(scores), scores);
        dst.Clear();
        if (Vector512.IsHardwareAccelerated && HS % 16 == 0) WeightedSum512(dst, scores, values, HS);
        else
            for (var j = 0; j < scores.Length; j++)
                TensorPrimitives.MultiplyAdd(values.Slice(j * HS, HS), scores[j], dst, dst);
    }

    // scores[j] = scale * keys[j] . query, four keys at a time so four FMA chains are in flight. A key's score is the
    // same whatever J is, as each key has its own chain.
    private static unsafe void Scores512(Span<float> scores, ReadOnlySpan<float> query, ReadOnlySpan<float> keys, int HS, float scale)
    {
        fixed (float* s = scores, q = query, k = keys)
        {
            var J = scores.Length;
            var j = 0;
            for (; j + 4 <= J; j += 4)
            {
                float* k0 = k + (nint)j * HS, k1 = k0 + HS, k2 = k1 + HS, k3 = k2 + HS;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var c = 0; c < HS; c += 16)
                {
                    var qc = Vector512.Load(q + c);
                    a0 = Vector512.FusedMultiplyAdd(qc, Vector512.Load(k0 + c), a0);
                    a1 = Vector512.FusedMultiplyAdd(qc, Vector512.Load(k1 + c), a1);
                    a2 = Vector512.FusedMultiplyAdd(qc, Vector512.Load(k2 + c), a2);
                    a3 = Vector512.FusedMultiplyAdd(qc, Vector512.Load(k3 + c), a3);
                }
                (s[j], s[j + 1], s[j + 2], s[j + 3]) = (Vector512.Sum(a0) * scale, Vector512.Sum(a1) * scale, Vector512.Sum(a2) * scale, Vector512.Sum(a3) * scale);
            }
            for (; j < J; j++)
            {
                var kj = k + (nint)j * HS;
                Vector512<float> a = default;
                for (var c = 0; c < HS; c += 16) a = Vector512.FusedMultiplyAdd(Vector512.Load(q + c), Vector512.Load(kj + c), a);
                s[j] = Vector512.Sum(a) * scale;
            }
        }
    }

    // dst (HS) += sum_j scores[j] values[j], in j order; 64 channels at a time so four FMA chains are in flight
    private static unsafe void WeightedSum512(Span<float> dst, ReadOnlySpan<float> scores, ReadOnlySpan<float> values, int HS)
    {
        fixed (float* d = dst, s = scores, v = values)
        {
            var J = scores.Length;
            var c = 0;
            for (; c + 64 <= HS; c += 64)
            {
                Vector512<float> a0 = Vector512.Load(d + c), a1 = Vector512.Load(d + c + 16), a2 = Vector512.Load(d + c + 32), a3 = Vector512.Load(d + c + 48);
                var vc = v + c;
                for (var j = 0; j < J; j++, vc += HS)
                {
                    var sj = Vector512.Create(s[j]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(vc), sj, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(vc + 16), sj, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(vc + 32), sj, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(vc + 48), sj, a3);
                }
                a0.Store(d + c);
                a1.Store(d + c + 16);
                a2.Store(d + c + 32);
                a3.Store(d + c + 48);
            }
            for (; c < HS; c += 16)
            {
                var acc = Vector512.Load(d + c);
                var vc = v + c;
                for (var j = 0; j < J; j++, vc += HS) acc = Vector512.FusedMultiplyAdd(Vector512.Load(vc), Vector512.Create(s[j]), acc);
                acc.Store(d + c);
            }
        }
    }
}
