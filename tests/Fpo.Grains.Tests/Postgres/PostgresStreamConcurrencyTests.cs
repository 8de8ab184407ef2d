using System.Collections.Concurrent;
using System.Diagnostics;
using Fpo.Grains.Backbone;
using Fpo.Grains.Postgres;
using Fpo.Grains.Tests.Embedded;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Postgres;

/// <summary>
/// Four consumers, each its own backbone (its own connection pool, as separate processes have), drain 10,000 records
/// while consumers "crash" at random: a crashed consumer abandons the leases it holds (some of a batch acknowledged,
/// the rest not) and a new one takes its place. Every record must be acknowledged exactly once across all of them.
/// </summary>
public sealed class PostgresStreamConcurrencyTests(PostgresFixture postgres)
{
    private const int Records = 10_000;
    private const int Consumers = 4;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FourCrashingConsumersAcknowledgeEveryRecordExactlyOnce()
    {
        var run = PostgresFixture.NewRunId("concurrency");
        var settings = new StreamSettings { MaxDeliveries = 1000 };
        var visibility = TimeSpan.FromMilliseconds(500);
        PostgresBackboneOptions Options() => new() { ConnectionString = postgres.ConnectionString, RunId = run, PollInterval = TimeSpan.FromMilliseconds(100) };
        await using (var producer = await PostgresBackbone.OpenAsync(Options(), Ct))
        {
            var stream = producer.Stream("work", TextCodec.Instance, settings);
            foreach (var batch in Enumerable.Range(0, Records).Chunk(1000))
                await stream.PublishAsync([.. batch.Select(i => new StreamItem<string>($"r{i:D5}", $"payload {i}"))], Ct);
        }
        var acknowledged = new ConcurrentBag<string>();
        var crashes = 0;
        var watch = Stopwatch.StartNew();
        async Task ConsumeAsync(int slot)
        {
            var random = new Random(slot);
            while (acknowledged.Count < Records)
            {
                await using var backbone = await PostgresBackbone.OpenAsync(Options(), Ct);
                var stream = backbone.Stream("work", TextCodec.Instance, settings);
                while (acknowledged.Count < Records)
                {
                    var leased = await stream.LeaseAsync(random.Next(1, 64), visibility, TimeSpan.FromMilliseconds(200), Ct);
                    if (leased.Count == 0) continue;
                    if (random.NextDouble() < 0.05)
                    {
                        foreach (var id in await stream.AcknowledgeAsync([.. leased.Take(random.Next(leased.Count))], Ct)) acknowledged.Add(id);
                        Interlocked.Increment(ref crashes);
                        break;   // the rest of the batch stays leased by a consumer that no longer exists
                    }
                    foreach (var id in await stream.AcknowledgeAsync(leased, Ct)) acknowledged.Add(id);
                }
            }
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await Task.WhenAll(Enumerable.Range(0, Consumers).Select(slot => Task.Run(() => ConsumeAsync(slot), deadline.Token))).WaitAsync(TimeSpan.FromMinutes(3), Ct);
        var seconds = watch.Elapsed.TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine($"{Records} records, {Consumers} consumers, {crashes} crashes: drained in {seconds:0.0} s ({Records / seconds:0} acknowledgements/s)");
        var duplicates = acknowledged.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"acknowledged more than once: {string.Join(", ", duplicates)}");
        Assert.Equal(Records, acknowledged.Count);
        Assert.True(crashes > 0, "no consumer crashed; the test did not exercise abandoned leases");
        await using var check = await PostgresBackbone.OpenAsync(Options(), Ct);
        Assert.Equal(new StreamCounts(0, 0, Records, 0), await check.Stream("work", TextCodec.Instance, settings).CountsAsync(Ct));
    }
}
