using System.Collections.Concurrent;
using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Many consumers on one stream, some crashing with leases held: every record is acknowledged exactly once.</summary>
public sealed class EmbeddedStreamConcurrencyTests : RunFolder
{
    private const int Records = 10_000;
    private const int Consumers = 4;

    [Fact]
    public async Task FourConsumersWithRandomCrashesAcknowledgeEveryRecordExactlyOnce()
    {
        var acknowledged = new ConcurrentQueue<string>();
        var redelivered = 0;
        var crashes = 0;
        await using (var backbone = EmbeddedBackbone.Open(Folder))
        {
            var stream = backbone.Stream("pairs", TextCodec.Instance, new StreamSettings { MaxDeliveries = 1000 });
            var producer = Task.Run(async () =>
            {
                for (var start = 0; start < Records; start += 250)
                    await stream.PublishAsync([.. Enumerable.Range(start, 250).Select(i => new StreamItem<string>($"r{i}", $"v{i}"))], Ct);
            }, Ct);
            async Task Consume(int seed)
            {
                var random = new Random(seed);
                while (acknowledged.Count < Records)
                {
                    var leased = await stream.LeaseAsync(random.Next(1, 64), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50), Ct);
                    foreach (var l in leased)
                    {
                        Assert.Equal("v" + l.Id[1..], l.Value);
                        if (l.DeliveryCount > 1) Interlocked.Increment(ref redelivered);
                    }
                    // A crash acknowledges part of the batch and abandons the rest to lease expiry.
                    var crashed = leased.Count > 0 && random.NextDouble() < 0.05;
                    if (crashed) Interlocked.Increment(ref crashes);
                    var done = crashed ? leased.Take(random.Next(leased.Count)).ToList() : leased;
                    foreach (var id in await stream.AcknowledgeAsync(done, Ct)) acknowledged.Enqueue(id);
                }
            }
            await Task.WhenAll([producer, .. Enumerable.Range(0, Consumers).Select(c => Task.Run(() => Consume(c), Ct))]).WaitAsync(TimeSpan.FromMinutes(2), Ct);

            Assert.Equal(Records, acknowledged.Count);
            Assert.Equal(Enumerable.Range(0, Records).Select(i => $"r{i}").Order(), acknowledged.Order());
            Assert.Equal(new StreamCounts(0, 0, Records, 0), await stream.CountsAsync(Ct));
            Assert.True(crashes > 0 && redelivered > 0, $"{crashes} crashes and {redelivered} redeliveries; the test must exercise both");
        }
        await using var reopened = EmbeddedBackbone.Open(Folder);
        Assert.Equal(new StreamCounts(0, 0, Records, 0), await reopened.Stream("pairs", TextCodec.Instance).CountsAsync(Ct));
        Assert.Empty(reopened.Warnings);
    }
}
