using System.Diagnostics;
using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Tests.Embedded;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Stores;

/// <summary>
/// What every <see cref="IRunStores"/> must do, run against the embedded and the PostgreSQL stores alike: snapshots
/// (compare-and-set, lineage, SHA, watch), feature statistics, the journal, and lineage verification over them.
/// </summary>
public abstract class RunStoresContractTests : IAsyncLifetime
{
    private IRunStores? _stores;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected IRunStores Stores => _stores!;

    /// <summary>The stores of a fresh, empty run.</summary>
    protected abstract Task<IRunStores> OpenFreshAsync();

    public async ValueTask InitializeAsync() => _stores = await OpenFreshAsync();

    public virtual async ValueTask DisposeAsync()
    {
        if (_stores is not null) await _stores.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private static SnapshotPublication Publication(long version, string[] ids, byte fill = 0) =>
        new(version, new Dictionary<string, byte[]> { ["model.bin"] = [(byte)version, fill, 7], ["config.json"] = "{}"u8.ToArray() }, ids, version * 10, "{}");

    // What a judge grain journals for a batch whose labels it sent to the trainer.
    private Task JudgedAsync(string batch, params string[] labels) => Stores.Journal.AppendAsync(JournalKinds.JudgedBatch, batch,
        JsonSerializer.Serialize(new BatchTally(labels.Length, labels.Length, 0, 0, labels), JournalKinds.Json), Ct);

    [Fact]
    public async Task SnapshotsPublishOnlyLatestPlusOneAndNeverTakeAPreferenceTwice()
    {
        var store = Stores.Snapshots;
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
        Assert.Equal(1, await Stores.Lineage.SnapshotOfAsync("p2", Ct));
        Assert.Null(await Stores.Lineage.SnapshotOfAsync("p3", Ct));
        Assert.Equal(["p1", "p2"], (await Stores.Lineage.PreferencesInAsync(1, Ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WatchYieldsTheSnapshotsThereAndThoseThatAppearLater()
    {
        await Stores.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Stores.Snapshots.PublishAsync(Publication(1, []), Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(20));
        var seen = new List<long>();
        var watch = Stopwatch.StartNew();
        await foreach (var info in Stores.Snapshots.WatchAsync(0, stop.Token))
        {
            seen.Add(info.Version);
            if (info.Version == 1)
            {
                watch.Restart();
                _ = Task.Run(async () =>
                {
                    await Task.Delay(200, Ct);
                    await Stores.Snapshots.PublishAsync(Publication(2, []), Ct);
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
        var stats = Stores.FeatureStats;
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
        var journal = Stores.Journal;
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
    public async Task VerifyHoldsForACleanRunAndCountsWhereEveryLabelWent()
    {
        await JudgedAsync("b1", "p1", "p2", "p3");
        await JudgedAsync("b2", "p4", "p5");
        await JudgedAsync("b2", "p4", "p5");   // a redelivered batch journals once
        await Stores.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Stores.Snapshots.PublishAsync(Publication(1, ["p1", "p2"]), Ct);
        await Stores.Lineage.RecordDroppedAsync("p3", "stale: policy version 0, snapshot 4, max lag 3", Ct);
        var report = await Stores.VerifyLineageAsync(Ct);
        Assert.True(report.Holds, string.Join("\n", report.Violations));
        Assert.Equal(new LineageReport(2, 1, 5, 2, 1, 2, []), report with { Violations = [] });
    }

    [Fact]
    public async Task VerifyNamesALabelOfUnknownOriginAndOneBothTrainedAndDropped()
    {
        await JudgedAsync("b1", "known", "both");
        await Stores.Lineage.RecordDroppedAsync("both", "stale", Ct);
        await Stores.Snapshots.PublishAsync(Publication(0, []), Ct);
        await Stores.Snapshots.PublishAsync(Publication(1, ["known", "both", "stray"]), Ct);
        var report = await Stores.VerifyLineageAsync(Ct);
        Assert.False(report.Holds);
        Assert.Contains(report.Violations, v => v.Contains("'stray'", StringComparison.Ordinal) && v.Contains("no judged batch", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.Contains("'both'", StringComparison.Ordinal) && v.Contains("dropped", StringComparison.Ordinal));
        Assert.Equal(2, report.Violations.Count);
        Assert.Equal(0, report.AwaitingTraining);
    }
}
