using System.Collections.Concurrent;
using Fpo.Grains.Backbone;
using Fpo.Grains.Postgres;
using Fpo.Grains.Tests.Embedded;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Postgres;

/// <summary>
/// The database stops for 3 s while a producer, two consumers, a snapshot publisher and a watcher run (a server of its
/// own, so other tests are not disturbed). Nothing may throw, nothing may be lost or acknowledged twice, the watcher
/// sees every version in order, the leader learns it lost its lock, and the outage is logged once, not per retry.
/// </summary>
public sealed class PostgresRestartTests
{
    private const int Records = 1500;
    private const int Versions = 12;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OperationsRideOutADatabaseRestartWithNothingLost()
    {
        await using var server = await LocalPostgresServer.CreateAsync(Ct);
        var log = new ConcurrentQueue<string>();
        var run = PostgresFixture.NewRunId("restart");
        PostgresBackboneOptions Options() => new()
        {
            ConnectionString = server.ConnectionString,
            RunId = run,
            Log = log.Enqueue,
            PollInterval = TimeSpan.FromMilliseconds(200),
            RetryMaxDelay = TimeSpan.FromMilliseconds(500),
            LeadershipCheckInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var producerSide = await PostgresBackbone.OpenAsync(Options(), Ct);
        await using var consumerSide = await PostgresBackbone.OpenAsync(Options(), Ct);
        await using var trainerSide = await PostgresBackbone.OpenAsync(Options(), Ct);
        await using var leader = await trainerSide.TryLeadAsync("trainer", Ct);
        Assert.NotNull(leader);
        var output = producerSide.Stream("work", TextCodec.Instance);
        var input = consumerSide.Stream("work", TextCodec.Instance);
        var acknowledged = new ConcurrentBag<string>();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        done.CancelAfter(TimeSpan.FromMinutes(2));

        var produce = Task.Run(async () =>
        {
            foreach (var batch in Enumerable.Range(0, Records).Chunk(15))
            {
                await output.PublishAsync([.. batch.Select(i => new StreamItem<string>($"r{i:D4}", $"v{i}"))], done.Token);
                await Task.Delay(10, done.Token);
            }
        }, done.Token);
        var consume = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (acknowledged.Count < Records)
            {
                var leased = await input.LeaseAsync(20, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200), done.Token);
                foreach (var id in await input.AcknowledgeAsync(leased, done.Token)) acknowledged.Add(id);
            }
        }, done.Token)).ToArray();
        var publish = Task.Run(async () =>
        {
            for (var v = 0; v < Versions; v++)
            {
                await trainerSide.Snapshots.PublishAsync(new SnapshotPublication(v, new Dictionary<string, byte[]> { ["w"] = [(byte)v] }, [], v), done.Token);
                await Task.Delay(400, done.Token);
            }
        }, done.Token);
        var seen = new List<long>();
        var watch = Task.Run(async () =>
        {
            await foreach (var info in consumerSide.Snapshots.WatchAsync(-1, done.Token))
            {
                seen.Add(info.Version);
                if (info.Version == Versions - 1) return;
            }
        }, done.Token);

        await Task.Delay(1000, Ct);
        await server.StopAsync(Ct);
        await Task.Delay(3000, Ct);
        Assert.True(leader.Lost.IsCancellationRequested, "the leader did not notice that the session holding its lock died");
        await server.StartAsync(Ct);
        await Task.WhenAll([produce, .. consume, publish, watch]);

        Assert.Equal(Records, acknowledged.Count);
        Assert.Equal(Records, acknowledged.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, Versions).Select(v => (long)v), seen);
        Assert.Equal(new StreamCounts(0, 0, Records, 0), await input.CountsAsync(Ct));
        var lines = log.ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", lines));
        Assert.Contains(lines, l => l.Contains("retrying with backoff", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("answers again", StringComparison.Ordinal));
        Assert.True(lines.Length < 30, $"{lines.Length} log lines for one outage");
        await using var again = await trainerSide.TryLeadAsync("trainer", Ct);
        Assert.NotNull(again);
    }
}
