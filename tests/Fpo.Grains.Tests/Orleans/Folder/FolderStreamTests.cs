using Fpo.Grains.Orleans.Folder;
using Fpo.Grains.Tests.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using static Fpo.Grains.Tests.Orleans.Folder.TestConsumerGrain;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>The folder stream provider in one in-process silo: delivery, backlog, dead letters, restart and compaction.</summary>
public sealed class FolderStreamTests : RunFolder
{
    private static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    private static string Backlog(FolderSilo silo) => string.Join(", ", silo.Queues.Pending().Select(p => $"{p.Key}={p.Value}"));

    [Fact]
    public async Task Events_reach_implicit_subscribers_at_once_and_in_order_per_stream()
    {
        await using var silo = await FolderSilo.StartAsync(Folder);
        var solo = silo.Stream(Orders, "solo");
        for (var i = 0; i < 20; i++)
        {
            await solo.OnNextAsync(FolderTestEvent.Now(i));
            var number = i;
            await silo.Deliveries.WaitAsync(d => d.Any(x => x.Number == number), $"solo event {i}", Patience.Limit);
        }
        var alone = silo.Deliveries.Delivered.Skip(1).Select(d => d.Latency.TotalMilliseconds).Order().ToList();
        Report($"one event at a time: median {alone[alone.Count / 2]:F2} ms, max {alone[^1]:F2} ms (first event, with activation: {silo.Deliveries.Delivered[0].Latency.TotalMilliseconds:F1} ms)");

        var keys = new[] { "a", "b", "c", "d" };
        for (var i = 0; i < 50; i++)
            foreach (var key in keys)
                await silo.Stream(Orders, key).OnNextAsync(FolderTestEvent.Now(i));
        await silo.Deliveries.WaitAsync(d => d.Count(x => x.Stream.GetKeyAsString() != "solo") == 200, "50 events on each of 4 streams", Patience.Limit);

        foreach (var key in keys)
            Assert.Equal(Enumerable.Range(0, 50), silo.Deliveries.Delivered.Where(d => d.Stream.GetKeyAsString() == key).Select(d => d.Number));
        var burst = silo.Deliveries.Delivered.Skip(20).Select(d => d.Latency.TotalMilliseconds).Order().ToList();
        Report($"200 events produced back to back: median {burst[burst.Count / 2]:F2} ms, max {burst[^1]:F2} ms from produce to consume");
    }

    [Fact]
    public async Task Backlog_counts_rise_with_produced_events_and_drain_to_zero()
    {
        await using var silo = await FolderSilo.StartAsync(Folder);
        // The consumer holds the first event at the gate, so nothing can be acknowledged yet.
        for (var i = 0; i < 10; i++)
        {
            await silo.Stream(Gated, "g").OnNextAsync(FolderTestEvent.Now(i));
            Assert.Equal(i + 1, silo.Queues.Pending(Gated));
        }
        silo.Deliveries.OpenGate();
        await Patience.WithinAsync(silo.Queues.WaitForPendingAsync(Gated, 0, Ct), () => $"the gated backlog to drain (pending: {Backlog(silo)})");

        Assert.Equal(0, silo.Queues.Pending()[Gated]);
        Assert.Equal(Enumerable.Range(0, 10), silo.Deliveries.Delivered.Select(d => d.Number));
    }

    [Fact]
    public async Task A_consumer_that_keeps_throwing_sends_the_event_to_the_dead_letters_with_its_error_and_the_stream_goes_on()
    {
        await using var silo = await FolderSilo.StartAsync(Folder, o =>
        {
            o.MaxAttempts = 3;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
        });
        var stream = silo.Stream(Poison, "p");
        await stream.OnNextAsync(FolderTestEvent.Now(1));
        await stream.OnNextAsync(FolderTestEvent.Now(-7));
        await stream.OnNextAsync(FolderTestEvent.Now(2));
        await silo.Deliveries.WaitAsync(d => d.Any(x => x.Number == 2), "event 2, produced after the poison event -7", Patience.Limit);

        Assert.Equal([1, 2], silo.Deliveries.Delivered.Select(d => d.Number));
        Assert.Equal(3, silo.Deliveries.FailedAttempts(-7));
        var dead = Assert.Single(await silo.Queues.DeadLettersAsync(TestContext.Current.CancellationToken));
        Assert.Equal(StreamId.Create(Poison, "p"), dead.StreamId);
        Assert.Equal(-7, Assert.IsType<FolderTestEvent>(Assert.Single(dead.Events)).Number);
        Assert.Equal("System.InvalidOperationException: cannot handle -7", dead.Error);
        Assert.Equal(3, dead.Attempts);
        Assert.Contains(silo.Log.Lines, l => l.Contains("went to the dead letters after 3 failed attempts", StringComparison.Ordinal));
        await Patience.WithinAsync(silo.Queues.WaitForPendingAsync(Poison, 0, Ct), () => $"the poison backlog to drain (pending: {Backlog(silo)})");
    }

    [Fact]
    public async Task When_Orleans_stops_retrying_first_the_dead_letter_still_has_the_last_error()
    {
        await using var silo = await FolderSilo.StartAsync(
            Folder,
            o =>
            {
                o.MaxAttempts = 1000;
                o.RetryDelay = TimeSpan.FromMilliseconds(50);
            },
            services => services.Configure<StreamPullingAgentOptions>(FolderSilo.Streams, o => o.MaxEventDeliveryTime = TimeSpan.FromSeconds(1)));
        var stream = silo.Stream(Poison, "q");
        await stream.OnNextAsync(FolderTestEvent.Now(-5));
        await stream.OnNextAsync(FolderTestEvent.Now(6));
        await silo.Deliveries.WaitAsync(d => d.Any(x => x.Number == 6), "event 6, produced after the poison event -5", Patience.Limit);

        var dead = Assert.Single(await silo.Queues.DeadLettersAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("System.InvalidOperationException: cannot handle -5 (then Orleans stopped retrying", dead.Error, StringComparison.Ordinal);
        Assert.InRange(dead.Attempts, 2, 999);
        Assert.Equal(dead.Attempts, silo.Deliveries.FailedAttempts(-5));
        await Patience.WithinAsync(silo.Queues.WaitForPendingAsync(Poison, 0, Ct), () => $"the poison backlog to drain (pending: {Backlog(silo)})");
    }

    [Fact]
    public async Task Events_not_delivered_before_a_restart_are_delivered_after_it_past_a_torn_last_record()
    {
        static void OneQueue(FolderStreamOptions o) => o.QueueCount = 1;
        await using (var stopped = await FolderSilo.StartAsync(Folder, OneQueue, services =>
            services.Configure<StreamLifecycleOptions>(FolderSilo.Streams, o => o.StartupState = StreamLifecycleOptions.RunState.Initialized)))
        {
            for (var i = 0; i < 10; i++) await stopped.Stream(Orders, "r").OnNextAsync(FolderTestEvent.Now(i));
            Assert.Equal(10, stopped.Queues.Pending()[Orders]);
        }
        // What a kill in the middle of an append leaves: a record header announcing 100 bytes, and 3 of them.
        await File.AppendAllBytesAsync(Path.Combine(Folder, "streams", "queue-0.log"), [0x46, 0x50, 0x4F, 0x51, 2, 100, 0, 0, 0, 9, 9, 9, 9, 1, 2, 3], TestContext.Current.CancellationToken);

        await using var restarted = await FolderSilo.StartAsync(Folder, OneQueue);
        await restarted.Deliveries.WaitAsync(d => d.Count == 10, "the 10 events produced before the restart", Patience.Limit);

        Assert.Equal(Enumerable.Range(0, 10), restarted.Deliveries.Delivered.Select(d => d.Number));
        Assert.Contains(restarted.Log.Lines, l => l.Contains("queue-0.log: dropped a torn last record (16 bytes at byte", StringComparison.Ordinal));
        await Patience.WithinAsync(restarted.Queues.WaitForPendingAsync(Orders, 0, Ct), () => $"the backlog to drain (pending: {Backlog(restarted)})");
    }

    [Fact]
    public async Task Compaction_keeps_the_folder_small_after_many_acknowledged_events()
    {
        const int Events = 3000;
        static void SmallFiles(FolderStreamOptions o)
        {
            o.QueueCount = 1;
            o.CompactionBytes = 16 << 10;
        }
        var padding = new string('x', 100);
        await using (var silo = await FolderSilo.StartAsync(Folder, SmallFiles))
        {
            for (var i = 0; i < Events; i++) await silo.Stream(Bulk, $"b{i % 4}").OnNextAsync(FolderTestEvent.Now(i, padding));
            await Patience.WithinAsync(silo.Queues.WaitForPendingAsync(Bulk, 0, Ct), () => $"{Events} bulk events to be acknowledged (pending: {Backlog(silo)})");
            Assert.Equal(Events, silo.Deliveries.Delivered.Count);
        }
        var files = Directory.GetFiles(Path.Combine(Folder, "streams"));
        var bytes = files.Sum(f => new FileInfo(f).Length);
        Report($"{Events} events of {padding.Length}+ bytes through one queue: the folder holds {bytes} bytes in {files.Length} files");
        Assert.InRange(new FileInfo(Path.Combine(Folder, "streams", "queue-0.log")).Length, 0, 2 * (16 << 10));
        Assert.DoesNotContain(files, f => f.EndsWith(".compacting", StringComparison.Ordinal));

        await using var restarted = await FolderSilo.StartAsync(Folder, SmallFiles);
        Assert.Equal(0, restarted.Queues.Pending().GetValueOrDefault(Bulk));
    }
}
