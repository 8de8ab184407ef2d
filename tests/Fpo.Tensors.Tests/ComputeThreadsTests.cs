namespace Fpo.Tensors.Tests;

/// <summary>Tests that set <see cref="ComputeThreads.Count"/> run alone, so they do not change it under each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ComputeThreadsCollection
{
    public const string Name = "ComputeThreads";
}

[Collection(ComputeThreadsCollection.Name)]
public class ComputeThreadsTests
{
    [Fact]
    public void ForCoversEveryIndexOnceInAtMostCountRanges()
    {
        var saved = ComputeThreads.Count;
        try
        {
            foreach (var threads in new[] { 1, 2, 3, 8 })
            {
                ComputeThreads.Count = threads;
                foreach (var count in new[] { 0, 1, 2, 5, 7, 100, 1001 })
                    foreach (var minRange in new[] { 1, 3, 64 })
                    {
                        var hits = new int[count];
                        var ranges = 0;
                        ComputeThreads.For(count, (start, end) =>
                        {
                            Interlocked.Increment(ref ranges);
                            Assert.True(start < end, $"empty range [{start},{end})");
                            for (var i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
                        }, minRange);
                        Assert.All(hits, h => Assert.Equal(1, h));
                        Assert.InRange(ranges, count == 0 ? 0 : 1, Math.Max(1, Math.Min(threads, count / minRange)));
                    }
            }
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    [Fact]
    public void SeveralRangesPerThreadCoverEveryIndexOnce()
    {
        var saved = ComputeThreads.Count;
        try
        {
            ComputeThreads.Count = 2;
            foreach (var count in new[] { 3, 8, 100, 1001 })
            {
                var hits = new int[count];
                var ranges = 0;
                ComputeThreads.For(count, (start, end) =>
                {
                    Interlocked.Increment(ref ranges);
                    for (var i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
                }, minRange: 2, rangesPerThread: 4);
                Assert.All(hits, h => Assert.Equal(1, h));
                Assert.InRange(ranges, 1, Math.Min(8, count / 2));
            }
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    [Fact]
    public void OneThreadRunsInlineAndNestedCallsWork()
    {
        var saved = ComputeThreads.Count;
        try
        {
            ComputeThreads.Count = 1;
            var caller = Environment.CurrentManagedThreadId;
            ComputeThreads.For(1000, (_, _) => Assert.Equal(caller, Environment.CurrentManagedThreadId));

            ComputeThreads.Count = 2;
            var total = 0;
            ComputeThreads.For(4, (s0, s1) =>
            {
                for (var s = s0; s < s1; s++)
                    ComputeThreads.For(10, (i0, i1) => Interlocked.Add(ref total, i1 - i0));
            });
            Assert.Equal(40, total);
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    [Fact]
    public void ExceptionsArriveUnwrapped()
    {
        var saved = ComputeThreads.Count;
        try
        {
            ComputeThreads.Count = 2;
            var e = Assert.Throws<InvalidOperationException>(() =>
                ComputeThreads.For(2, (start, _) => { if (start == 1) throw new InvalidOperationException("range 1 failed"); }));
            Assert.Equal("range 1 failed", e.Message);
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    [Fact]
    public void CountIsValidatedAndEnvironmentParsed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeThreads.Count = 0);
        Assert.Equal(3, ComputeThreads.FromEnvironment("3", 2));
        Assert.Equal(2, ComputeThreads.FromEnvironment(null, 2));
        Assert.Equal(2, ComputeThreads.FromEnvironment("", 2));
        Assert.Equal(2, ComputeThreads.FromEnvironment("0", 2));
        Assert.Equal(2, ComputeThreads.FromEnvironment("two", 2));
    }
}
