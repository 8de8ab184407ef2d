using System.Buffers;
using System.Numerics.Tensors;

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
        for (var j = 0; j < scores.Length; j++)
            scores[j] = TensorPrimitives.Dot(query, keys.Slice(j * HS, HS)) * scale;
        var max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Divide(scores, TensorPrimitives.Sum(scores), scores);
        dst.Clear();
        for (var j = 0; j < scores.Length; j++)
            TensorPrimitives.MultiplyAdd(values.Slice(j * HS, HS), scores[j], dst, dst);
    }
}
