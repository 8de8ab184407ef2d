namespace Fpo.Models.Sampling;

/// <summary>
/// The random stream of one sample of one request: a pure function of (seed, sample index), so a sample draws the same
/// numbers whether it runs alone, in a batch or after other requests. Not thread-safe: one per sequence.
/// The generator is xoshiro256** (Blackman and Vigna 2018) seeded with four SplitMix64 outputs, as its authors advise;
/// the sample index is mixed into the seed through SplitMix64 first, so neighbouring indices start far-apart,
/// uncorrelated states.
/// </summary>
public sealed class SequenceRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    private ulong _s0, _s1, _s2, _s3;

    public SequenceRandom(ulong seed, int sampleIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
        var state = seed ^ SplitMix64((ulong)sampleIndex + Golden);
        _s0 = SplitMix64(state += Golden);
        _s1 = SplitMix64(state += Golden);
        _s2 = SplitMix64(state += Golden);
        _s3 = SplitMix64(state + Golden);
    }

    /// <summary>Starts from a raw xoshiro256** state, to check the generator against its reference outputs.</summary>
    internal SequenceRandom(ulong s0, ulong s1, ulong s2, ulong s3) => (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);

    /// <summary>The four xoshiro256** state words, so a checkpoint can save the stream and a resumed run continue it
    /// exactly (System.Random's state cannot be saved).</summary>
    public ulong[] State
    {
        get => [_s0, _s1, _s2, _s3];
        set
        {
            if (value.Length != 4) throw new ArgumentException($"a xoshiro256** state has 4 words, got {value.Length}", nameof(value));
            if ((value[0] | value[1] | value[2] | value[3]) == 0) throw new ArgumentException("a xoshiro256** state must not be all zero", nameof(value));
            (_s0, _s1, _s2, _s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    /// <summary>A uniform integer in [0, n), n ≥ 1, without modulo bias (Lemire's multiply-and-reject).</summary>
    public int Next(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var range = (ulong)n;
        var threshold = (0UL - range) % range;
        while (true)
        {
            var product = (UInt128)NextUInt64() * range;
            if ((ulong)product >= threshold) return (int)(product >> 64);
        }
    }

    /// <summary>A standard normal draw (Box–Muller, one of the pair).</summary>
    public double NextGaussian()
    {
        var u = 1 - NextDouble();  // in (0, 1], so the log is finite
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * NextDouble());
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits of the next output.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>The next xoshiro256** output.</summary>
    internal ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>SplitMix64's output function (Steele, Lea and Flood 2014) applied to one counter value.</summary>
    internal static ulong SplitMix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
