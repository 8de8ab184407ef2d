namespace Fpo.Models.Sampling;

/// <summary>
/// The random stream of one sample of one request: a pure function of (seed, sample index), so a sample draws the same
/// numbers whether it runs alone, in a batch or after other requests. Not thread-safe: one per sequence.
/// </summary>
public sealed class SequenceRandom
{
    public SequenceRandom(ulong seed, int sampleIndex) => throw new NotImplementedException();

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => throw new NotImplementedException();
}
