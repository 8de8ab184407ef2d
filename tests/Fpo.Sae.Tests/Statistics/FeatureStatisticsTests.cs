using Fpo.Sae.Statistics;
using Fpo.Testing.Fuzzing;

namespace Fpo.Sae.Tests.Statistics;

/// <summary>Known answers for one small stream, the histogram's bin edges, and precise refusals of bad input and bad bytes.</summary>
public sealed class FeatureStatisticsTests
{
    // tokens 10 11 12 13; latent 1 fires 0.5 at t=0, 3 at t=2, 2 at t=3; latent 4 fires 1e-5 at t=1.
    private static FeatureStatistics Small(int topN = 2)
    {
        var stats = new FeatureStatistics(latents: 6, topN, contextRadius: 1);
        stats.AddSequence(sourceId: 7, [10, 11, 12, 13], [0, 1, 2, 3, 4], [1, 4, 1, 1], [0.5f, 1e-5f, 3f, 2f]);
        return stats;
    }

    [Fact]
    public void CountsSumsHistogramAndTopContextsOfASmallStream()
    {
        var stats = Small();
        Assert.Equal(4, stats.TotalTokens);
        Assert.Equal([1, 4], stats.ActiveLatents);
        Assert.Null(stats[0]);
        var s = stats[1]!;
        Assert.Equal(3, s.Count);
        Assert.Equal(5.5, s.Sum);
        Assert.Equal(0.25 + 9 + 4, s.SumOfSquares);
        Assert.Equal(3f, s.Max);
        Assert.Equal(1, s.Histogram[ActivationHistogram.BinOf(0.5f)]);
        Assert.Equal(3, s.Histogram.ToArray().Sum());
        Assert.Equal(2, s.TopContexts.Count);
        var best = s.TopContexts[0];
        Assert.Equal((3f, 7L, 2, 1), (best.Activation, best.SourceId, best.Position, best.WindowStart));
        Assert.Equal([11, 12, 13], best.TokenIds);
        Assert.Equal([0f, 3f, 2f], best.Activations);
        Assert.Equal((2f, 3, 2), (s.TopContexts[1].Activation, s.TopContexts[1].Position, s.TopContexts[1].WindowStart));
        Assert.Equal([12, 13], s.TopContexts[1].TokenIds);
        Assert.Equal(1, stats[4]!.Histogram[0]);
    }

    [Fact]
    public void ASliceKeepsItsLatentsWholeAndTheTokenTotal()
    {
        var stats = Small();

        var (low, high) = (stats.Slice(0, 4), stats.Slice(4, 6));

        Assert.Equal([1], low.ActiveLatents);
        Assert.Equal([4], high.ActiveLatents);
        Assert.Equal((4L, 4L, 6), (low.TotalTokens, high.TotalTokens, low.Latents));
        Assert.Equal((stats[1]!.Count, stats[1]!.Sum, stats[1]!.Max), (low[1]!.Count, low[1]!.Sum, low[1]!.Max));
        Assert.Equal(stats[1]!.Histogram.ToArray(), low[1]!.Histogram.ToArray());
        Assert.Equal(stats[1]!.TopContexts.Select(c => (c.Activation, c.Position)), low[1]!.TopContexts.Select(c => (c.Activation, c.Position)));
        Assert.Empty(stats.Slice(2, 2).ActiveLatents);
        Assert.Throws<ArgumentOutOfRangeException>(() => stats.Slice(4, 7));
    }

    [Fact]
    public void HistogramBinsFollowTheDocumentedEdges()
    {
        Assert.Equal(0, ActivationHistogram.BinOf(9.99e-5f));
        Assert.Equal(1, ActivationHistogram.BinOf(1e-4f));
        Assert.Equal(17, ActivationHistogram.BinOf(1f));
        Assert.Equal(16, ActivationHistogram.BinOf(0.99f));
        Assert.Equal(32, ActivationHistogram.BinOf(9999f));
        Assert.Equal(33, ActivationHistogram.BinOf(1e4f));
        for (var b = 1; b < ActivationHistogram.Bins; b++)
        {
            var edge = ActivationHistogram.LowerEdge(b);
            Assert.Equal(b, ActivationHistogram.BinOf(edge));
            Assert.Equal(b - 1, ActivationHistogram.BinOf(MathF.BitDecrement(edge)));
        }
    }

    [Fact]
    public void BadInputIsRefusedWithTheReason()
    {
        var stats = new FeatureStatistics(4, 2, 1);
        Assert.Equal("latent id 4 at entry 0 is outside [0, 4) (Parameter 'latents')",
            Assert.Throws<ArgumentException>(() => stats.AddSequence(0, [1], [0, 1], [4], [1f])).Message);
        Assert.Equal("activation NaN of latent 2 at entry 0 is outside [0, 1000000] (Parameter 'values')",
            Assert.Throws<ArgumentException>(() => stats.AddSequence(0, [1], [0, 1], [2], [float.NaN])).Message);
        Assert.Equal("activation -1 of latent 2 at entry 0 is outside [0, 1000000] (Parameter 'values')",
            Assert.Throws<ArgumentException>(() => stats.AddSequence(0, [1], [0, 1], [2], [-1f])).Message);
        Assert.Equal("rowStart has 1 entries; 1 tokens need 2 (Parameter 'rowStart')",
            Assert.Throws<ArgumentException>(() => stats.AddSequence(0, [1], [0], [], [])).Message);
        Assert.StartsWith("feature statistics of 5 latents, top 2, radius 1 cannot merge into 4 latents",
            Assert.Throws<ArgumentException>(() => stats.MergeFrom(new FeatureStatistics(5, 2, 1))).Message, StringComparison.Ordinal);
        Assert.Equal(0, stats.TotalTokens);
    }

    [Fact]
    public void MalformedBytesAreRefusedWithTheOffset()
    {
        var bytes = FeatureStatisticsFormat.Serialize(Small());
        Assert.Equal("s: byte 0: does not start with \"FPOFSTAT\"; not feature statistics",
            Assert.Throws<InvalidDataException>(() => FeatureStatisticsFormat.Deserialize(bytes.AsSpan(1), "s")).Message);
        Assert.StartsWith("s: byte ", Assert.Throws<InvalidDataException>(() => FeatureStatisticsFormat.Deserialize(bytes.AsSpan(0, bytes.Length - 3), "s")).Message, StringComparison.Ordinal);
        Assert.Equal($"s: byte {bytes.Length}: unexpected bytes after the last latent",
            Assert.Throws<InvalidDataException>(() => FeatureStatisticsFormat.Deserialize([.. bytes, 0], "s")).Message);
        var bumped = (byte[])bytes.Clone();
        bumped[8] = 2;
        Assert.Equal("s: byte 12: version 2 is not supported (this build reads 1)",
            Assert.Throws<InvalidDataException>(() => FeatureStatisticsFormat.Deserialize(bumped, "s")).Message);
    }

    [Fact]
    public void DamagedBytesLoadOrAreRefusedQuickly()
    {
        var bytes = FeatureStatisticsFormat.Serialize(Small(topN: 3));
        var random = new Random(20261123);
        var tally = new FuzzTally();
        for (var i = 0; i < 3000; i++)
        {
            var (damaged, kind) = ByteMutator.Mutate(random, bytes);
            var e = FuzzCase.Run(() => FeatureStatisticsFormat.Deserialize(damaged, "stats.bin"), 1000, 4 << 20, () => $"case {i} ({kind})");
            if (e is not null) FuzzCase.AssertUserFacing(e, [typeof(InvalidDataException)], ["stats.bin"], () => $"case {i} ({kind})");
            else Assert.Equal(damaged, FeatureStatisticsFormat.Serialize(FeatureStatisticsFormat.Deserialize(damaged, "stats.bin")));
            tally.Add(kind, e is null);
        }
        Assert.True(tally.Refused > 2000, $"only {tally.Refused} of 3000 damaged files were refused");
        Assert.True(tally.Loaded > 0, "no damaged file loaded: the fuzzer only breaks the header");
    }
}
