namespace Fpo.Sae.Evaluation;

/// <summary>
/// Running sums over batches for L0, MSE, FVU, cosine similarity and per-latent firing counts, in double. The FVU's
/// denominator Σ_t ‖x_t − x̄‖² needs the mean over all tokens, which is known only at the end: each batch's per-channel
/// mean and centred sum of squares are merged into the running ones (Chan et al.'s pairwise update), which stays
/// accurate where the one-pass Σx² − N·x̄² would cancel.
/// </summary>
internal sealed class ReconstructionStatistics
{
    private readonly int _D;
    private readonly double[] _mean, _m2;          // (D) per-channel running mean and centred sum of squares
    private readonly double[] _batchMean, _batchM2; // (D)
    private double _squaredError, _cosine, _active;

    public ReconstructionStatistics(int D, int F)
    {
        _D = D;
        (_mean, _m2, _batchMean, _batchM2) = (new double[D], new double[D], new double[D], new double[D]);
        FiringCounts = new long[F];
    }

    public long Tokens { get; private set; }
    public long[] FiringCounts { get; }  // (F)

    public double MeanL0 => _active / Tokens;
    public double Mse => _squaredError / Tokens;
    public double Fvu => _squaredError / _m2.Sum();
    public double Cosine => _cosine / Tokens;

    // x (N,D), xhat (N,D), codes (N rows)
    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> xhat, SparseCodes codes, int N)
    {
        var D = _D;
        for (var e = 0; e < codes.Count; e++)
            if (codes.Value[e] != 0)
            {
                FiringCounts[codes.Latent[e]]++;
                _active++;
            }
        for (var t = 0; t < N; t++)
        {
            double dot = 0, xx = 0, rr = 0, err = 0;
            for (var d = 0; d < D; d++)
            {
                double a = x[t * D + d], r = xhat[t * D + d];
                dot += a * r;
                xx += a * a;
                rr += r * r;
                err += (a - r) * (a - r);
            }
            _squaredError += err;
            _cosine += dot / Math.Max(Math.Sqrt(xx) * Math.Sqrt(rr), 1e-8);
        }
        MergeMoments(x, N);
        Tokens += N;
    }

    private void MergeMoments(ReadOnlySpan<float> x, int N)
    {
        var D = _D;
        Array.Clear(_batchMean);
        Array.Clear(_batchM2);
        for (var t = 0; t < N; t++)
            for (var d = 0; d < D; d++) _batchMean[d] += x[t * D + d];
        for (var d = 0; d < D; d++) _batchMean[d] /= N;
        for (var t = 0; t < N; t++)
            for (var d = 0; d < D; d++)
            {
                var c = x[t * D + d] - _batchMean[d];
                _batchM2[d] += c * c;
            }
        double na = Tokens, nb = N, n = na + nb;
        for (var d = 0; d < D; d++)
        {
            var delta = _batchMean[d] - _mean[d];
            _mean[d] += delta * nb / n;
            _m2[d] += _batchM2[d] + delta * delta * na * nb / n;
        }
    }
}
