using System.Numerics.Tensors;
using Fpo.Models.Sampling;

namespace Fpo.Sae.Tests.Training;

/// <summary>
/// Synthetic activations with a known sparse structure: N unit directions in D dimensions, and every sample a
/// non-negative combination of <see cref="Active"/> of them (magnitudes in [0.5, 1.5]) plus a constant offset, so an
/// SAE that learns the structure must find the planted directions among its decoder rows.
/// </summary>
internal sealed class PlantedDictionary
{
    public PlantedDictionary(int D, int N, int active, ulong seed)
    {
        (this.D, this.N, Active) = (D, N, active);
        _random = new SequenceRandom(seed, 0);
        Directions = new float[N * D];
        for (var n = 0; n < N; n++)
        {
            var row = Directions.AsSpan(n * D, D);
            for (var d = 0; d < D; d++) row[d] = (float)_random.NextGaussian();
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }
        Offset = new float[D];
        for (var d = 0; d < D; d++) Offset[d] = (float)(0.5 * _random.NextGaussian());
    }

    private readonly SequenceRandom _random;

    public int D { get; }
    public int N { get; }
    public int Active { get; }
    public float[] Directions { get; }  // (N,D)
    public float[] Offset { get; }      // (D)

    // batch (B,D)
    public void Fill(float[] batch, int B)
    {
        for (var b = 0; b < B; b++)
        {
            var row = batch.AsSpan(b * D, D);
            Offset.CopyTo(row);
            var chosen = new HashSet<int>();
            while (chosen.Count < Active) chosen.Add(_random.Next(N));
            foreach (var n in chosen)
                TensorPrimitives.MultiplyAdd(Directions.AsSpan(n * D, D), (float)(0.5 + _random.NextDouble()), row, row);
        }
    }

    /// <summary>Mean over planted directions of the largest cosine with any row of <paramref name="decoder"/> (F,D).</summary>
    public double MeanMaxCosine(float[] decoder, int F)
    {
        double sum = 0;
        for (var n = 0; n < N; n++)
        {
            var best = double.MinValue;
            for (var f = 0; f < F; f++)
                best = Math.Max(best, TensorPrimitives.CosineSimilarity(Directions.AsSpan(n * D, D), decoder.AsSpan(f * D, D)));
            sum += best;
        }
        return sum / N;
    }
}
