using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The sparse token history behind the penalties.</summary>
public class TokenHistoryTests
{
    [Fact]
    public void KeepsDistinctSeenIdsAndGeneratedCounts()
    {
        var h = new TokenHistory([5, 3, 5, 9]);
        h.Add(3);
        h.Add(7);
        h.Add(3);
        Assert.Equal([5, 3, 9, 7], h.SeenIds.ToArray());
        Assert.Equal([3, 7], h.GeneratedIds.ToArray());
        Assert.Equal([2, 1], h.GeneratedCounts.ToArray());
        Assert.Equal(3, h.GeneratedCount);
        Assert.Equal(9, h.MaxId);
    }

    [Fact]
    public void ACloneIsIndependent()
    {
        var h = new TokenHistory([1, 2]);
        h.Add(2);
        var c = h.Clone();
        c.Add(4);
        c.Add(2);
        Assert.Equal([1, 2], h.SeenIds.ToArray());
        Assert.Equal([1], h.GeneratedCounts.ToArray());
        Assert.Equal([1, 2, 4], c.SeenIds.ToArray());
        Assert.Equal([2, 1], c.GeneratedCounts.ToArray());
        Assert.Equal(4, c.MaxId);
        Assert.Equal(2, h.MaxId);
    }

    [Fact]
    public void NegativeIdsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new TokenHistory([0, -3]));
        Assert.StartsWith("prompt token 1 is -3: token ids must be >= 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TokenHistory([]).Add(-1));
        Assert.StartsWith("generated token is -1: token ids must be >= 0", e.Message);
    }
}
