using Fpo.Models.Optimization;
using Fpo.Models.Sampling;

namespace Fpo.Testing;

/// <summary>
/// Weights as a trainer publishes them between two snapshots: GPT-2-like initial values N(0, 0.02), then one AdamW step
/// of the given learning rate on random normal gradients — the first step moves every weight by about ±lr, the size of
/// any later Adam step.
/// </summary>
public static class AdamStepData
{
    public static (float[] Before, float[] After) Weights(int count, float learningRate, int seed)
    {
        var random = new SequenceRandom((ulong)seed, 0);
        var before = new float[count];
        var gradients = new float[count];
        for (var i = 0; i < count; i++)
        {
            before[i] = 0.02f * (float)random.NextGaussian();
            gradients[i] = (float)random.NextGaussian();
        }
        var after = (float[])before.Clone();
        new AdamW(after, gradients, [new ParameterGroup(0, count, Decay: true)], new AdamWSettings()).Step(learningRate);
        return (before, after);
    }

    /// <summary>Every value rounded to bfloat16, as the little-endian bytes a BF16 tensor holds.</summary>
    public static byte[] BF16Bytes(float[] values)
    {
        var bits = new ushort[values.Length];
        Models.Checkpoints.BFloat16.FromSingle(values, bits);
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan()).ToArray();
    }

    public static byte[] F32Bytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
