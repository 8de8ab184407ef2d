using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Which snapshot holds each preference, and which were dropped and why, across a reopening.</summary>
public sealed class EmbeddedLineageTests : RunFolder
{
    private static SnapshotPublication Publication(long version, params string[] ids) =>
        new(version, new Dictionary<string, byte[]> { ["w"] = [(byte)version] }, ids, version);

    [Fact]
    public async Task SnapshotsRecordTheirPreferencesAndDroppedOnesKeepTheirFirstReason()
    {
        var clock = new ManualClock();
        await using (var stores = EmbeddedRunStores.Open(Folder, clock))
        {
            await stores.Snapshots.PublishAsync(Publication(0), Ct);
            await stores.Snapshots.PublishAsync(Publication(1, "p1", "p2"), Ct);
            await stores.Snapshots.PublishAsync(Publication(2, "p3"), Ct);
            await stores.Lineage.RecordDroppedAsync("p4", "stale: policy version 0, snapshot 4, max lag 3", Ct);
            clock.Advance(TimeSpan.FromMinutes(1));
            await stores.Lineage.RecordDroppedAsync("p4", "stale again", Ct);
            await stores.Lineage.RecordDroppedAsync("p5", "stale: policy version 1, snapshot 5, max lag 3", Ct);
        }
        await using var reopened = EmbeddedRunStores.Open(Folder, clock);
        var lineage = reopened.Lineage;
        Assert.Equal(1, await lineage.SnapshotOfAsync("p2", Ct));
        Assert.Equal(2, await lineage.SnapshotOfAsync("p3", Ct));
        Assert.Null(await lineage.SnapshotOfAsync("p4", Ct));
        Assert.Equal(["p1", "p2"], await lineage.PreferencesInAsync(1, Ct));
        Assert.Empty(await lineage.PreferencesInAsync(0, Ct));
        Assert.Empty(await lineage.PreferencesInAsync(9, Ct));
        var dropped = await lineage.DroppedAsync(Ct);
        Assert.Equal(["p4", "p5"], dropped.Select(d => d.PreferenceId));
        Assert.Equal("stale: policy version 0, snapshot 4, max lag 3", dropped[0].Reason);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), dropped[0].At);
    }
}
