using Fpo.Alignment.Judges;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>The judge cache: keyed by model and prompt hash, bounded, least recently used out first.</summary>
public sealed class PromptCacheTests
{
    [Fact]
    public void EvictsTheLeastRecentlyUsed()
    {
        var cache = new PromptCache(2);
        cache.Add("a", 0.1);
        cache.Add("b", 0.2);
        Assert.True(cache.TryGet("a", out _));  // b is now the least recently used
        cache.Add("c", 0.3);
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out var a) && a == 0.1);
        Assert.True(cache.TryGet("c", out var c) && c == 0.3);
    }

    [Fact]
    public void KeysDifferByModelAndPrompt()
    {
        Assert.NotEqual(PromptCache.Key("m1", "p"), PromptCache.Key("m2", "p"));
        Assert.NotEqual(PromptCache.Key("m", "p1"), PromptCache.Key("m", "p2"));
        Assert.Equal(PromptCache.Key("m", "p"), PromptCache.Key("m", "p"));
    }

    [Fact]
    public void ZeroCapacityStoresNothing()
    {
        var cache = new PromptCache(0);
        cache.Add("a", 1);
        Assert.False(cache.TryGet("a", out _));
    }
}
