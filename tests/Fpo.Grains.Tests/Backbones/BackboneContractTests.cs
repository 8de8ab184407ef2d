using System.Diagnostics;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Tests.Embedded;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Backbones;

/// <summary>
/// What every <see cref="IBackbone"/> must do, run against the embedded and the PostgreSQL backbone alike: streams
/// (idempotent publish, oldest-first leases, tokens, extend, fail, dead letters, expiry, waiting), snapshots
/// (compare-and-set, lineage, consumed-stream acknowledgement, SHA, watch), feature statistics, the journal,
/// leadership, and lineage verification. Leases use real time (the database judges deadlines by its own clock).
/// </summary>
public abstract class BackboneContractTests : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
    private IBackbone? _backbone;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected IBackbone Backbone => _backbone!;

    /// <summary>A backbone on a fresh, empty run.</summary>
    protected abstract Task<IBackbone> OpenFreshAsync();

    public async ValueTask InitializeAsync() => _backbone = await OpenFreshAsync();

    public virtual async ValueTask DisposeAsync()
    {
        if (_backbone is not null) await _backbone.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private IStream<string> Stream(string name = "records", int maxDeliveries = 5) =>
        Backbone.Stream(name, TextCodec.Instance, new StreamSettings { MaxDeliveries = maxDeliveries });

    private static StreamItem<string>[] Items(params string[] ids) => [.. ids.Select(id => new StreamItem<string>(id, "value of " + id))];

    private static SnapshotPublication Publication(long version, string[] ids, string? consumed = null, byte fill = 0) =>
        new(version, new Dictionary<string, byte[]> { ["model.bin"] = [(byte)version, fill, 7], ["config.json"] = "{}"u8.ToArray() }, ids, version * 10, "{}", consumed);

    [Fact]
    public async Task PublishIsIdempotentByIdAndLeasesTakeTheOldestFirstHiddenFromOthers()
    {
        var stream = Stream();
        Assert.Equal(3, await stream.PublishAsync(Items("a", "b", "c"), Ct));
        Assert.Equal(1, await stream.PublishAsync(Items("b", "d"), Ct));
        var first = await stream.LeaseAsync(2, Long, TimeSpan.Zero, Ct);
        Assert.Equal(["a", "b"], first.Select(l => l.Id));
        Assert.Equal("value of a", first[0].Value);
        Assert.All(first, l => Assert.Equal(1, l.DeliveryCount));
        var second = await stream.LeaseAsync(10, Long, TimeSpan.Zero, Ct);
        Assert.Equal(["c", "d"], second.Select(l => l.Id));
        Assert.Empty(await stream.LeaseAsync(10, Long, TimeSpan.Zero, Ct));
        Assert.Equal(new StreamCounts(0, 4, 0, 0), await stream.CountsAsync(Ct));
        Assert.Equal(["a", "b"], await stream.AcknowledgeAsync(first, Ct));
        Assert.Equal(0, await stream.PublishAsync(Items("a"), Ct));   // acknowledged ids stay known
        Assert.Equal(new StreamCounts(0, 2, 2, 0), await stream.CountsAsync(Ct));
    }

    [Fact]
    public async Task AnExpiredLeaseIsRedeliveredAndTheStaleHoldersAcknowledgeExtendAndFailChangeNothing()
    {
        var stream = Stream();
        await stream.PublishAsync(Items("a"), Ct);
        var stale = (await stream.LeaseAsync(1, TimeSpan.FromMilliseconds(300), TimeSpan.Zero, Ct)).Single();
        await Task.Delay(600, Ct);
        Assert.Equal(new StreamCounts(1, 0, 0, 0), await stream.CountsAsync(Ct));
        var fresh = (await stream.LeaseAsync(1, Long, TimeSpan.Zero, Ct)).Single();
        Assert.Equal(2, fresh.DeliveryCount);
        Assert.NotEqual(stale.LeaseToken, fresh.LeaseToken);
        Assert.Empty(await stream.ExtendAsync([stale], Long, Ct));
        await stream.FailAsync(stale, "stale holder", Ct);
        Assert.Empty(await stream.AcknowledgeAsync([stale], Ct));
        Assert.Equal(new StreamCounts(0, 1, 0, 0), await stream.CountsAsync(Ct));
        Assert.Equal(["a"], await stream.AcknowledgeAsync([fresh], Ct));
        Assert.Equal(new StreamCounts(0, 0, 1, 0), await stream.CountsAsync(Ct));
    }

    [Fact]
    public async Task ExtendingKeepsALeaseFromExpiring()
    {
        var stream = Stream();
        await stream.PublishAsync(Items("a"), Ct);
        var held = await stream.LeaseAsync(1, TimeSpan.FromMilliseconds(400), TimeSpan.Zero, Ct);
        Assert.Equal(["a"], await stream.ExtendAsync(held, Long, Ct));
        await Task.Delay(700, Ct);
        Assert.Empty(await stream.LeaseAsync(1, Long, TimeSpan.Zero, Ct));
        Assert.Equal(new StreamCounts(0, 1, 0, 0), await stream.CountsAsync(Ct));
        Assert.Equal(["a"], await stream.AcknowledgeAsync(held, Ct));
    }

    [Fact]
    public async Task FailRequeuesUntilTheLastDeliveryThenDeadLettersWithTheError()
    {
        var stream = Stream(maxDeliveries: 2);
        await stream.PublishAsync(Items("a", "b"), Ct);
        var first = (await stream.LeaseAsync(1, Long, TimeSpan.Zero, Ct)).Single();
        await stream.FailAsync(first, "judge timed out", Ct);
        Assert.Equal(new StreamCounts(2, 0, 0, 0), await stream.CountsAsync(Ct));
        var second = (await stream.LeaseAsync(1, Long, TimeSpan.Zero, Ct)).Single();
        Assert.Equal(("a", 2), (second.Id, second.DeliveryCount));
        await stream.FailAsync(second, "judge returned garbage", Ct);
        var dead = Assert.Single(await stream.DeadLettersAsync(Ct));
        Assert.Equal(("a", "value of a", 2, "judge returned garbage"), (dead.Id, dead.Value, dead.Deliveries, dead.Error));
        Assert.Equal(new StreamCounts(1, 0, 0, 1), await stream.CountsAsync(Ct));
        Assert.Equal(0, await stream.PublishAsync(Items("a"), Ct));
    }

    [Fact]
    public async Task AnExpiredLeaseOnItsLastDeliveryIsDeadLetteredSayingSo()
    {
        var stream = Stream(maxDeliveries: 1);
        await stream.PublishAsync(Items("a"), Ct);
        Assert.Single(await stream.LeaseAsync(1, TimeSpan.FromMilliseconds(300), TimeSpan.Zero, Ct));
        await Task.Delay(600, Ct);
        Assert.Empty(await stream.LeaseAsync(1, Long, TimeSpan.Zero, Ct));
        Assert.Equal(new StreamCounts(0, 0, 0, 1), await stream.CountsAsync(Ct));
        var dead = Assert.Single(await stream.DeadLettersAsync(Ct));
        Assert.Contains("expired", dead.Error, StringComparison.Ordinal);
        Assert.Equal(1, dead.Deliveries);
    }

    [Fact]
    public async Task AWaitingLeaseWakesWhenARecordIsPublished()
    {
        var stream = Stream();
        var watch = Stopwatch.StartNew();
        var waiting = stream.LeaseAsync(1, Long, TimeSpan.FromSeconds(20), Ct);
        await Task.Delay(300, Ct);
        Assert.False(waiting.IsCompleted);
        await stream.PublishAsync(Items("a"), Ct);
        var leased = await waiting;
        Assert.Equal(["a"], leased.Select(l => l.Id));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the lease took {watch.Elapsed} to notice the publish");
        Assert.Empty(await stream.LeaseAsync(1, Long, TimeSpan.FromMilliseconds(200), Ct));
    }

    [Fact]
    public async Task ForwardPublishesTheOutputAndAcknowledgesTheInput()
    {
        var input = Stream("in");
        var output = Stream("out");
        await input.PublishAsync(Items("a", "b"), Ct);
        var leased = await input.LeaseAsync(2, Long, TimeSpan.Zero, Ct);
        Assert.Equal(["a", "b"], await Backbone.ForwardAsync(input, leased, output, Items("a'", "b'"), Ct));
        Assert.Equal(new StreamCounts(0, 0, 2, 0), await input.CountsAsync(Ct));
        Assert.Equal(new StreamCounts(2, 0, 0, 0), await output.CountsAsync(Ct));
    }

    [Fact]
    public async Task SnapshotsPublishOnlyLatestPlusOneAndNeverTakeAPreferenceTwice()
    {
        var store = Backbone.Snapshots;
        Assert.Null(await store.LatestAsync(Ct));
        await Assert.ThrowsAsync<SnapshotConflictException>(() => store.PublishAsync(Publication(1, []), Ct));
        var v0 = await store.PublishAsync(Publication(0, []), Ct);
        var v1 = await store.PublishAsync(Publication(1, ["p1", "p2"]), Ct);
        Assert.Equal((1L, 10L, 2, SnapshotContent.ComputeSha256(Publication(1, []).Files)), (v1.Version, v1.TrainerStep, v1.PreferenceCount, v1.Sha256));
        var zombie = await Assert.ThrowsAsync<SnapshotConflictException>(() => store.PublishAsync(Publication(1, ["p3"], fill: 9), Ct));
        Assert.Contains("only 2", zombie.Message, StringComparison.Ordinal);
        var twice = await Assert.ThrowsAsync<SnapshotConflictException>(() => store.PublishAsync(Publication(2, ["p3", "p2"]), Ct));
        Assert.Contains("'p2' is already in snapshot 1", twice.Message, StringComparison.Ordinal);
        Assert.Equal(v1, await store.PublishAsync(Publication(1, ["p1", "p2"]), Ct));   // a retry after a lost reply
        Assert.Equal([0L, 1L], (await store.ListAsync(Ct)).Select(s => s.Version));
        Assert.Equal(v1, await store.LatestAsync(Ct));
        Assert.Equal(v0.Sha256, (await store.GetAsync(0, Ct)).Info.Sha256);
        var content = await store.GetAsync(1, Ct);
        Assert.Equal(new byte[] { 1, 0, 7 }, content.Files["model.bin"]);
        Assert.Equal(SnapshotContent.ComputeSha256(content.Files), content.Info.Sha256);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.GetAsync(5, Ct));
        Assert.Equal(1, await Backbone.Lineage.SnapshotOfAsync("p2", Ct));
        Assert.Null(await Backbone.Lineage.SnapshotOfAsync("p3", Ct));
        Assert.Equal(["p1", "p2"], (await Backbone.Lineage.PreferencesInAsync(1, Ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PublishingASnapshotAcknowledgesItsPreferencesWhoeverHoldsTheirLeases()
    {
        var preferences = Stream(StreamNames.Preferences, maxDeliveries: 1);
        await preferences.PublishAsync(Items("p1", "p2", "p3", "p4"), Ct);
        var held = await preferences.LeaseAsync(2, Long, TimeSpan.Zero, Ct);                       // p1, p2 by a live trainer
        var expired = await preferences.LeaseAsync(1, TimeSpan.FromMilliseconds(200), TimeSpan.Zero, Ct);   // p3, about to die
        await Task.Delay(400, Ct);
        Assert.Equal(new StreamCounts(1, 2, 0, 1), await preferences.CountsAsync(Ct));
        await Backbone.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Backbone.Snapshots.PublishAsync(Publication(1, ["p1", "p2", "p3"], StreamNames.Preferences), Ct);
        Assert.Equal(new StreamCounts(1, 0, 3, 0), await preferences.CountsAsync(Ct));
        Assert.Empty(await preferences.AcknowledgeAsync([.. held, .. expired], Ct));
        var report = await Backbone.Lineage.VerifyAsync(Ct);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
    }

    [Fact]
    public async Task WatchYieldsTheSnapshotsThereAndThoseThatAppearLater()
    {
        await Backbone.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Backbone.Snapshots.PublishAsync(Publication(1, []), Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(20));
        var seen = new List<long>();
        var watch = Stopwatch.StartNew();
        await foreach (var info in Backbone.Snapshots.WatchAsync(0, stop.Token))
        {
            seen.Add(info.Version);
            if (info.Version == 1)
            {
                watch.Restart();
                _ = Task.Run(async () =>
                {
                    await Task.Delay(200, Ct);
                    await Backbone.Snapshots.PublishAsync(Publication(2, []), Ct);
                }, Ct);
            }
            if (info.Version == 2) break;
        }
        Assert.Equal([1L, 2L], seen);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the watch took {watch.Elapsed} to see version 2");
    }

    [Fact]
    public async Task AFeatureStatisticsDeltaMergesOnce()
    {
        var key = new FeatureStatsKey(2, FeatureSide.Reference);
        var stats = Backbone.FeatureStats;
        Assert.Null(await stats.GetAsync(key, Ct));
        Assert.Equal(0, await stats.RevisionAsync(key, Ct));
        Assert.True(await stats.MergeAsync(key, "d1", EmbeddedFeatureStatsTests.Delta(1), Ct));
        Assert.False(await stats.MergeAsync(key, "d1", EmbeddedFeatureStatsTests.Delta(1), Ct));
        Assert.Equal(1, await stats.RevisionAsync(key, Ct));
        Assert.True(await stats.MergeAsync(key, "d2", EmbeddedFeatureStatsTests.Delta(2), Ct));
        Assert.True(await stats.MergeAsync(new FeatureStatsKey(2, FeatureSide.Policy), "d1", EmbeddedFeatureStatsTests.Delta(3), Ct));
        Assert.Equal(2, await stats.RevisionAsync(key, Ct));
        var expected = FeatureStatistics.Merge(EmbeddedFeatureStatsTests.Delta(1), EmbeddedFeatureStatsTests.Delta(2));
        Assert.Equal(FeatureStatisticsFormat.Serialize(expected), FeatureStatisticsFormat.Serialize((await stats.GetAsync(key, Ct))!));
        Assert.Equal([new FeatureStatsKey(2, FeatureSide.Policy), key], await stats.KeysAsync(Ct));
    }

    [Fact]
    public async Task TheJournalAppendsEachKindAndIdOnceInRisingOrder()
    {
        var journal = Backbone.Journal;
        Assert.True(await journal.AppendAsync("trainer-step", "1", """{"step":1}""", Ct));
        Assert.True(await journal.AppendAsync("evaluation", "0", """{"winRate":"NaN"}""", Ct));
        Assert.True(await journal.AppendAsync("trainer-step", "2", """{"step":2}""", Ct));
        Assert.False(await journal.AppendAsync("trainer-step", "1", """{"step":99}""", Ct));
        var steps = await journal.ReadAsync("trainer-step", 0, 10, Ct);
        Assert.Equal(["1", "2"], steps.Select(e => e.Id));
        Assert.Equal("""{"step":1}""", steps[0].Json);
        Assert.True(steps[0].Sequence < steps[1].Sequence);
        Assert.Equal(["2"], (await journal.ReadAsync("trainer-step", steps[0].Sequence, 10, Ct)).Select(e => e.Id));
        Assert.Equal(["1"], (await journal.ReadAsync("trainer-step", 0, 1, Ct)).Select(e => e.Id));
        Assert.Equal("0", Assert.Single(await journal.ReadAsync("evaluation", 0, 10, Ct)).Id);
    }

    [Fact]
    public async Task ARoleHasOneLeaderUntilItsClaimIsDisposed()
    {
        var first = await Backbone.TryLeadAsync("trainer", Ct);
        Assert.NotNull(first);
        Assert.Equal("trainer", first.Role);
        Assert.Null(await Backbone.TryLeadAsync("trainer", Ct));
        await using (var other = await Backbone.TryLeadAsync("prompt-source", Ct)) Assert.NotNull(other);
        await first.DisposeAsync();
        Assert.False(first.Lost.IsCancellationRequested);
        await using var second = await Backbone.TryLeadAsync("trainer", Ct);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task VerifyHoldsForACleanRunAndCountsEveryState()
    {
        var preferences = Stream(StreamNames.Preferences);
        await preferences.PublishAsync(Items("p1", "p2", "p3", "p4", "p5"), Ct);
        var leased = await preferences.LeaseAsync(3, Long, TimeSpan.Zero, Ct);
        await Backbone.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Backbone.Snapshots.PublishAsync(Publication(1, ["p1", "p2"], StreamNames.Preferences), Ct);
        await Backbone.Lineage.RecordDroppedAsync("p3", "stale: policy version 0, snapshot 4, max lag 3", Ct);
        Assert.Equal(["p3"], await preferences.AcknowledgeAsync([leased[2]], Ct));
        Assert.Single(await preferences.LeaseAsync(1, Long, TimeSpan.Zero, Ct));
        var report = await Backbone.Lineage.VerifyAsync(Ct);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(new LineageReport(2, 1, 5, 3, 2, 1, 1, 1, 0, []), report with { Violations = [] });
    }

    [Fact]
    public async Task VerifyNamesEveryViolation()
    {
        var preferences = Stream(StreamNames.Preferences);
        await preferences.PublishAsync(Items("lost", "twice", "both"), Ct);
        var leased = await preferences.LeaseAsync(3, Long, TimeSpan.Zero, Ct);
        Assert.Equal(["lost"], await preferences.AcknowledgeAsync([leased[0]], Ct));   // consumed, but no snapshot holds it
        await Backbone.Lineage.RecordDroppedAsync("both", "stale", Ct);
        await Backbone.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Backbone.Snapshots.PublishAsync(Publication(1, ["twice", "both"]), Ct);   // not acknowledged with the snapshot
        var report = await Backbone.Lineage.VerifyAsync(Ct);
        Assert.False(report.Holds);
        Assert.Contains(report.Violations, v => v.Contains("'lost'", StringComparison.Ordinal) && v.Contains("no snapshot", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.Contains("'twice'", StringComparison.Ordinal) && v.Contains("still leased", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.Contains("'both'", StringComparison.Ordinal) && v.Contains("dropped", StringComparison.Ordinal));
        Assert.Equal(4, report.Violations.Count);   // 'both' is also still leased while in a snapshot
    }
}
