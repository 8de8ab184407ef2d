using System.Numerics.Tensors;

namespace Fpo.Tensors;

/// <summary>
/// Fused softmax + cross-entropy over V: losses[n] = -log softmax(logits[n])[targets[n]]; targets[n] &lt; 0 means ignored (loss 0).
/// </summary>
public static unsafe class CrossEntropy
{
    // per-thread row of exp(logit - max), (V): stays in cache while the normalized row streams out to probs
    [ThreadStatic] private static float[]? expRow;

    // losses (N), probs (N,V) kept for backward, logits (N,V), targets (N); per row one pass for the max, one for
    // exp and its sum into a cached scratch row, one streaming the normalized row to probs
    public static void Forward(Span<float> losses, Span<float> probs, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int N, int V)
    {
        Check("CrossEntropy.Forward", probs.Length, logits.Length, targets, N, V);
        KernelArgs.Length(losses.Length, N, "CrossEntropy.Forward", "losses", "N");
        fixed (float* pl = losses, pp = probs, px = logits)
        fixed (int* pt = targets)
        {
            float* loss = pl, p = pp, x = px;
            var target = pt;
            ComputeThreads.For(N, (n0, n1) =>
            {
                if (expRow is null || expRow.Length < V) expRow = GC.AllocateUninitializedArray<float>(V, pinned: true);
                fixed (float* e = expRow)
                    for (var n = n0; n < n1; n++)
                    {
                        var row = new ReadOnlySpan<float>(x + (nint)n * V, V);
                        var max = TensorPrimitives.Max(row);
                        if (float.IsNegativeInfinity(max))
                        {
                            // no finite logit: no distribution to score against
                            new Span<float>(p + (nint)n * V, V).Clear();
                            loss[n] = target[n] < 0 ? 0f : float.NaN;
                            continue;
                        }
                        var sum = Softmax.ExpSum(new Span<float>(e, V), row, max, 1f);
                        StreamingStore.Scale(p + (nint)n * V, e, 1f / sum, V);
                        // log-sum-exp minus the target logit keeps precision where probs[target] would underflow
                        loss[n] = target[n] < 0 ? 0f : MathF.Log(sum) + max - row[target[n]];
                    }
            }, Softmax.RowsPerRange(V));
        }
    }

    // dlogits[n] = (probs[n] - onehot(target[n])) * dlosses[n] (overwrites dlogits; ignored rows get 0)
    public static void Backward(Span<float> dlogits, ReadOnlySpan<float> dlosses, ReadOnlySpan<float> probs, ReadOnlySpan<int> targets, int N, int V)
    {
        Check("CrossEntropy.Backward", probs.Length, dlogits.Length, targets, N, V);
        KernelArgs.Length(dlosses.Length, N, "CrossEntropy.Backward", "dlosses", "N");
        fixed (float* pd = dlogits, pdl = dlosses, pp = probs)
        fixed (int* pt = targets)
        {
            float* dlogit = pd, dloss = pdl, p = pp;
            var target = pt;
            ComputeThreads.For(N, (n0, n1) =>
            {
                for (var n = n0; n < n1; n++)
                {
                    var d = new Span<float>(dlogit + (nint)n * V, V);
                    if (target[n] < 0)
                    {
                        d.Clear();
                        continue;
                    }
                    StreamingStore.Scale(dlogit + (nint)n * V, p + (nint)n * V, dloss[n], V);
                    d[target[n]] -= dloss[n];
                }
            }, Softmax.RowsPerRange(V));
        }
    }

    private static void Check(string kernel, int probsLength, int logitsLength, ReadOnlySpan<int> targets, int N, int V)
    {
        KernelArgs.Positive(N, kernel, nameof(N));
        KernelArgs.Positive(V, kernel, nameof(V));
        KernelArgs.Length(probsLength, (long)N * V, kernel, "probs", "N*V");
        KernelArgs.Length(logitsLength, (long)N * V, kernel, "logits/dlogits", "N*V");
        KernelArgs.Length(targets.Length, N, kernel, "targets", "N");
        for (var n = 0; n < N; n++)
            if (targets[n] >= V)
                throw new ArgumentOutOfRangeException(nameof(targets), targets[n], $"{kernel}: target {targets[n]} at row {n} is outside the vocabulary [0, {V})");
    }
}
