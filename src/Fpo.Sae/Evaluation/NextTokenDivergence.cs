using Fpo.Tensors;

namespace Fpo.Sae.Evaluation;

/// <summary>KL(p ‖ q) of next-token distributions given by logits, per position, in double.</summary>
internal static class NextTokenDivergence
{
    /// <summary>lse[n] = log Σ_v exp(logits[n, v]), with the row maximum taken out first.</summary>
    // lse (N), logits (N,V)
    public static void LogSumExp(double[] lse, float[] logits, int N, int V) =>
        ComputeThreads.For(N, (n0, n1) =>
        {
            for (var n = n0; n < n1; n++) lse[n] = RowLogSumExp(logits.AsSpan(n * V, V));
        }, minRange: 4);

    /// <summary>Σ_n KL(softmax(p[n]) ‖ softmax(q[n])) = Σ_n Σ_v p_nv (log p_nv − log q_nv) over the N rows.</summary>
    // p (N,V) clean logits, lseP (N), q (N,V)
    public static double Sum(float[] p, double[] lseP, float[] q, int N, int V)
    {
        var kl = new double[N];  // (N) per row, summed in row order so the result does not depend on the threads
        ComputeThreads.For(N, (n0, n1) =>
        {
            for (var n = n0; n < n1; n++)
            {
                ReadOnlySpan<float> pr = p.AsSpan(n * V, V), qr = q.AsSpan(n * V, V);
                var shift = RowLogSumExp(qr) - lseP[n];
                double sum = 0;
                for (var v = 0; v < V; v++)
                {
                    var logP = pr[v] - lseP[n];
                    sum += Math.Exp(logP) * (pr[v] - qr[v] + shift);
                }
                kl[n] = sum;
            }
        }, minRange: 4);
        return kl.Sum();
    }

    private static double RowLogSumExp(ReadOnlySpan<float> row)
    {
        double max = System.Numerics.Tensors.TensorPrimitives.Max(row), sum = 0;
        foreach (var l in row) sum += Math.Exp(l - max);
        return max + Math.Log(sum);
    }
}
