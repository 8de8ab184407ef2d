using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Models.Optimization;

/// <summary>Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    private const int ChunkSize = 1 << 16;

    /// <summary>
    /// The L2 norm of all of <paramref name="gradients"/>; when it exceeds <paramref name="maxNorm"/> every gradient
    /// is scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping.
    /// </summary>
    public static float ClipGlobalNorm(float[] gradients, float maxNorm)
    {
        var chunks = (gradients.Length + ChunkSize - 1) / ChunkSize;
        var partial = new double[chunks];
        var options = new ParallelOptions { MaxDegreeOfParallelism = ComputeThreads.Count };
        Parallel.For(0, chunks, options, i =>
        {
            var g = Chunk(gradients, i);
            partial[i] = TensorPrimitives.Dot(g, g);
        });
        var norm = (float)Math.Sqrt(partial.Sum());
        var coef = maxNorm / (norm + 1e-6f);
        if (coef < 1f)
            Parallel.For(0, chunks, options, i =>
            {
                var g = Chunk(gradients, i);
                TensorPrimitives.Multiply(g, coef, g);
            });
        return norm;
    }

    private static Span<float> Chunk(float[] a, int i) => a.AsSpan(i * ChunkSize, Math.Min(ChunkSize, a.Length - i * ChunkSize));
}
