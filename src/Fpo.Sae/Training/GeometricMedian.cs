using System.Numerics.Tensors;

namespace Fpo.Sae.Training;

/// <summary>
/// The point minimising the summed Euclidean distance to N rows, by Weiszfeld's iteration
/// y ← Σ xᵢ/‖xᵢ − y‖ / Σ 1/‖xᵢ − y‖ from the mean. Distances below a floor are clamped so a row that coincides with y
/// does not divide by zero (SAELens' compute_geometric_median does the same).
/// </summary>
public static class GeometricMedian
{
    // median (D), rows (N,D)
    public static void Compute(Span<float> median, ReadOnlySpan<float> rows, int N, int D, int maxIterations = 100, double tolerance = 1e-7)
    {
        if (N < 1 || D < 1 || rows.Length < (long)N * D || median.Length != D)
            throw new ArgumentException($"geometric median: {rows.Length} values are not {N} rows of {D}, or the result holds {median.Length}, not {D}");
        var y = new double[D];      // (D) current estimate
        var next = new double[D];   // (D)
        var diff = new float[D];    // (D)
        var yf = new float[D];      // (D)
        for (var n = 0; n < N; n++)
            for (var d = 0; d < D; d++) y[d] += rows[n * D + d];
        for (var d = 0; d < D; d++) y[d] /= N;
        for (var it = 0; it < maxIterations; it++)
        {
            for (var d = 0; d < D; d++) yf[d] = (float)y[d];
            Array.Clear(next);
            double weightSum = 0;
            for (var n = 0; n < N; n++)
            {
                var row = rows.Slice(n * D, D);
                TensorPrimitives.Subtract(row, yf, diff);
                var weight = 1 / Math.Max(TensorPrimitives.Norm(diff), 1e-8);
                weightSum += weight;
                for (var d = 0; d < D; d++) next[d] += weight * row[d];
            }
            double moved = 0, size = 0;
            for (var d = 0; d < D; d++)
            {
                next[d] /= weightSum;
                moved += (next[d] - y[d]) * (next[d] - y[d]);
                size += next[d] * next[d];
            }
            (y, next) = (next, y);
            if (Math.Sqrt(moved) <= tolerance * Math.Max(1, Math.Sqrt(size))) break;
        }
        for (var d = 0; d < D; d++) median[d] = (float)y[d];
    }
}
