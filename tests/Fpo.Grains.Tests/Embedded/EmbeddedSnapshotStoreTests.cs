using System.Text;
using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Compare-and-set publishing, one snapshot per preference, SHA-256 checks, watching and reopening.</summary>
public sealed class EmbeddedSnapshotStoreTests : RunFolder
{
    private static SnapshotPublication Publication(long version, params string[] preferenceIds) => new(
        version,
        new Dictionary<string, byte[]> { ["model.safetensors"] = Encoding.UTF8.GetBytes($"weights {version}"), ["config.json"] = "{}"u8.ToArray() },
        preferenceIds,
        TrainerStep: version * 10,
        Metadata: "{\"method\":\"fpo\"}");

    [Fact]
    public async Task PublishesVersionsInOrderAndReadsThemBackVerified()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        Assert.Null(await stores.Snapshots.LatestAsync(Ct));
        var v0 = await stores.Snapshots.PublishAsync(Publication(0), Ct);
        await stores.Snapshots.PublishAsync(Publication(1, "p1", "p2"), Ct);
        Assert.Equal(1, (await stores.Snapshots.LatestAsync(Ct))!.Version);
        Assert.Equal(SnapshotContent.ComputeSha256(Publication(0).Files), v0.Sha256);
        Assert.Equal((0, "weights 0".Length + "{}".Length, "{\"method\":\"fpo\"}"), (v0.TrainerStep, (int)v0.Bytes, v0.Metadata));
        var content = await stores.Snapshots.GetAsync(1, Ct);
        Assert.Equal("weights 1", Encoding.UTF8.GetString(content.Files["model.safetensors"]));
        Assert.Equal((2, 10L), (content.Info.PreferenceCount, content.Info.TrainerStep));
        Assert.Throws<KeyNotFoundException>(() => stores.Snapshots.GetAsync(2, Ct).GetAwaiter().GetResult());
        Assert.True(Directory.Exists(Path.Combine(Folder, "snapshots", "v000001")));
    }

    [Fact]
    public async Task OfTwoPublishersOfTheSameVersionExactlyOneWins()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        await stores.Snapshots.PublishAsync(Publication(0), Ct);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            try
            {
                await stores.Snapshots.PublishAsync(Publication(1, $"trainer{i}"), Ct);
                return null;
            }
            catch (SnapshotConflictException e)
            {
                return e.Message;
            }
        }, Ct)));
        Assert.Single(attempts, a => a is null);
        Assert.Equal("snapshot 1 cannot be published: the latest is 1, so only 2 can be", Assert.Single(attempts, a => a is not null));
        Assert.Single(await stores.Snapshots.ListAsync(Ct), s => s.Version == 1);
        var skipping = await Assert.ThrowsAsync<SnapshotConflictException>(() => stores.Snapshots.PublishAsync(Publication(3), Ct));
        Assert.Contains("only 2 can be", skipping.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APreferenceAlreadyInASnapshotIsRejected()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        await stores.Snapshots.PublishAsync(Publication(0, "p1"), Ct);
        var error = await Assert.ThrowsAsync<SnapshotConflictException>(() => stores.Snapshots.PublishAsync(Publication(1, "p2", "p1"), Ct));
        Assert.Equal("snapshot 1 cannot be published: preference 'p1' is already in snapshot 0", error.Message);
        Assert.Null(await stores.Lineage.SnapshotOfAsync("p2", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Snapshots.PublishAsync(Publication(1, "p3", "p3"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Snapshots.PublishAsync(
            Publication(1) with { Files = new Dictionary<string, byte[]> { ["../escape"] = [] } }, Ct));
        Assert.Equal(0, (await stores.Snapshots.LatestAsync(Ct))!.Version);
    }

    [Fact]
    public async Task ATamperedFileIsDetectedByItsHash()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        await stores.Snapshots.PublishAsync(Publication(0), Ct);
        await File.WriteAllTextAsync(Path.Combine(Folder, "snapshots", "v000000", "model.safetensors"), "weights X", Ct);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => stores.Snapshots.GetAsync(0, Ct));
        Assert.StartsWith("snapshot 0: the files in ", error.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchYieldsExistingNewerVersionsThenOnesPublishedByAnotherTask()
    {
        await using var stores = EmbeddedRunStores.Open(Folder);
        await stores.Snapshots.PublishAsync(Publication(0), Ct);
        await stores.Snapshots.PublishAsync(Publication(1), Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new List<long>();
        var watching = Task.Run(async () =>
        {
            await foreach (var info in stores.Snapshots.WatchAsync(0, stop.Token))
            {
                seen.Add(info.Version);
                if (info.Version == 3) break;
            }
        }, Ct);
        await Task.Delay(50, Ct);
        await stores.Snapshots.PublishAsync(Publication(2), Ct);
        await stores.Snapshots.PublishAsync(Publication(3), Ct);
        await watching.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal([1, 2, 3], seen);

        stop.CancelAfter(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var info in stores.Snapshots.WatchAsync(3, stop.Token)) Assert.Fail($"nothing is newer than 3, yet {info.Version} came");
        });
    }

    [Fact]
    public async Task ReopeningListsPublishedSnapshotsAndDeletesAnUnfinishedOne()
    {
        await using (var stores = EmbeddedRunStores.Open(Folder))
        {
            await stores.Snapshots.PublishAsync(Publication(0), Ct);
            await stores.Snapshots.PublishAsync(Publication(1, "p1"), Ct);
        }
        var unfinished = Directory.CreateDirectory(Path.Combine(Folder, "snapshots", ".tmp-v000002-crashed")).FullName;
        await File.WriteAllTextAsync(Path.Combine(unfinished, "model.safetensors"), "half", Ct);
        await using var reopened = EmbeddedRunStores.Open(Folder);
        Assert.False(Directory.Exists(unfinished));
        Assert.Equal([0, 1], (await reopened.Snapshots.ListAsync(Ct)).Select(s => s.Version));
        Assert.Equal(1, await reopened.Lineage.SnapshotOfAsync("p1", Ct));
        Assert.Equal("weights 1", Encoding.UTF8.GetString((await reopened.Snapshots.GetAsync(1, Ct)).Files["model.safetensors"]));
        await Assert.ThrowsAsync<SnapshotConflictException>(() => reopened.Snapshots.PublishAsync(Publication(2, "p1"), Ct));
        Assert.Equal(2, (await reopened.Snapshots.PublishAsync(Publication(2, "p2"), Ct)).Version);
    }

    [Fact]
    public async Task AMissingVersionFolderIsAClearError()
    {
        await using (var stores = EmbeddedRunStores.Open(Folder))
            for (var v = 0; v < 3; v++) await stores.Snapshots.PublishAsync(Publication(v), Ct);
        Directory.Delete(Path.Combine(Folder, "snapshots", "v000001"), recursive: true);
        var error = Assert.Throws<InvalidDataException>(() => EmbeddedRunStores.Open(Folder));
        Assert.Equal("snapshots: v000002 exists but version 1 is missing; versions must run 0, 1, 2, …", error.Message);
    }
}
