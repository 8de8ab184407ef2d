using Fpo.Models.Sampling;
using Fpo.Testing.Statistics;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The random streams: the published reference outputs of SplitMix64 and xoshiro256**, uniformity, and
/// independence of the streams of neighbouring sample indices.</summary>
public class SequenceRandomTests
{
    [Fact]
    public void SplitMix64MatchesItsReferenceOutputs()
    {
        // the reference generator: state += 0x9E3779B97F4A7C15, output = mix(state); seeds 0 and 1234567
        Assert.Equal(0xE220A8397B1DCDAFUL, SequenceRandom.SplitMix64(0x9E3779B97F4A7C15));
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        var state = 1234567UL;
        foreach (var e in expected) Assert.Equal(e, SequenceRandom.SplitMix64(state += 0x9E3779B97F4A7C15));
    }

    [Fact]
    public void Xoshiro256StarStarMatchesItsReferenceOutputs()
    {
        // xoshiro256** from the state {1, 2, 3, 4}, as the reference C code computes it
        var random = new SequenceRandom(1, 2, 3, 4);
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600];
        foreach (var e in expected) Assert.Equal(e, random.NextUInt64());
    }

    [Fact]
    public void NextDoubleIsTheTop53BitsScaledToTheUnitInterval()
    {
        var bits = new SequenceRandom(1, 2, 3, 4);
        var doubles = new SequenceRandom(1, 2, 3, 4);
        for (var i = 0; i < 100; i++)
        {
            var d = doubles.NextDouble();
            Assert.Equal((bits.NextUInt64() >> 11) / 9007199254740992.0, d);
            Assert.InRange(d, 0.0, 1.0 - 1e-17);
        }
    }

    [Fact]
    public void AStreamIsAPureFunctionOfSeedAndIndex()
    {
        double[] Take(ulong seed, int index) { var r = new SequenceRandom(seed, index); return [.. Enumerable.Range(0, 8).Select(_ => r.NextDouble())]; }
        Assert.Equal(Take(5, 0), Take(5, 0));
        Assert.NotEqual(Take(5, 0), Take(5, 1));
        Assert.NotEqual(Take(5, 0), Take(6, 0));
        Assert.NotEqual(Take(0, 0), Take(0, 1));
    }

    [Fact]
    public void NeighbouringIndicesGiveUniformUncorrelatedStreams()
    {
        const int N = 100_000, Bins = 20;
        var a = new SequenceRandom(2026, 0);
        var b = new SequenceRandom(2026, 1);
        var counts = new long[Bins];
        var pairs = new long[Bins * Bins];
        double sumAb = 0;
        for (var i = 0; i < N; i++)
        {
            double x = a.NextDouble(), y = b.NextDouble();
            counts[(int)(x * Bins)]++;
            pairs[(int)(x * Bins) * Bins + (int)(y * Bins)]++;
            sumAb += (x - 0.5) * (y - 0.5);
        }
        var uniform = Enumerable.Repeat(1.0 / Bins, Bins).ToArray();
        Assert.True(ChiSquare.Test(counts, uniform).PValue > 0.001, "the first stream is not uniform");
        var joint = Enumerable.Repeat(1.0 / (Bins * Bins), Bins * Bins).ToArray();
        Assert.True(ChiSquare.Test(pairs, joint).PValue > 0.001, "the pairs of the two streams are not uniform on the square");
        // correlation of two independent uniforms: standard deviation 1/sqrt(N) ≈ 0.003
        Assert.InRange(sumAb / N * 12, -0.015, 0.015);
    }

    [Fact]
    public void NegativeSampleIndexIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceRandom(1, -1));
}
