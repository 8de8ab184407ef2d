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
        var norm = GlobalNorm(gradients);
        var scale = ClipScale(norm, maxNorm);
        if (scale < 1f)
            Parallel.For(0, Chunks(gradients), Options, i =>
            {
                var g = Chunk(gradients, i);
                TensorPrimitives.Multiply(g, scale, g);
            });
        return norm;
    }

    /// <summary>The L2 norm of all of <paramref name="gradients"/>.</summary>
    public static float GlobalNorm(float[] gradients)
    {
        var partial = new double[Chunks(gradients)];
        Parallel.For(0, partial.Length, Options, i =>
        {
            var g = Chunk(gradients, i);
            partial[i] = TensorPrimitives.Dot(g, g);
        });
        return (float)Math.Sqrt(partial.Sum());
    }

    /// <summary>
    /// The factor clipping multiplies the gradients by: min(1, maxNorm / (norm + 1e-6)). Passing it to
    /// <see cref="AdamW.Step(float, float)"/> clips without a separate pass over the gradients.
    /// </summary>
    public static float ClipScale(float norm, float maxNorm) => Math.Min(1f, maxNorm / (norm + 1e-6f));

    private static ParallelOptions Options => new() { MaxDegreeOfParallelism = ComputeThreads.Count };

    private static int Chunks(float[] a) => (a.Length + ChunkSize - 1) / ChunkSize;

    private static Span<float> Chunk(float[] a, int i) => a.AsSpan(i * ChunkSize, Math.Min(ChunkSize, a.Length - i * ChunkSize));
}
