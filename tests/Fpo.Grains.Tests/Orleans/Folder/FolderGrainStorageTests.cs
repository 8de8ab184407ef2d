using Fpo.Grains.Orleans.Folder;
using Fpo.Grains.Tests.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>Grain state as files: it survives a silo restart, a stale ETag is refused, and no key leaves the folder.</summary>
public sealed class FolderGrainStorageTests : RunFolder
{
    private static readonly GrainId Grain = GrainId.Create("counter", "k");

    private string StateFolder => Path.Combine(Folder, "state");

    private FolderGrainStorage Storage()
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new FolderGrainStorage(
            "state", StateFolder, new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), services.GetRequiredService<IActivatorProvider>());
    }

    private static GrainState<FolderCounterState> State(int value, string? etag = null) => new(new FolderCounterState { Value = value }, etag);

    [Fact]
    public async Task Grain_state_survives_a_silo_restart()
    {
        await using (var silo = await FolderSilo.StartAsync(Folder))
        {
            await silo.Grains.GetGrain<IFolderCounterGrain>("../up").AddAsync(5);
            Assert.Equal(7, await silo.Grains.GetGrain<IFolderCounterGrain>("../up").AddAsync(2));
        }
        await using var restarted = await FolderSilo.StartAsync(Folder);
        Assert.Equal(7, await restarted.Grains.GetGrain<IFolderCounterGrain>("../up").GetAsync());
        Assert.Equal(0, await restarted.Grains.GetGrain<IFolderCounterGrain>("other").GetAsync());
    }

    [Fact]
    public async Task A_write_or_clear_with_a_stale_ETag_is_refused()
    {
        var storage = Storage();
        var first = State(1);
        await storage.WriteStateAsync("count", Grain, first);
        var stale = State(2);
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("count", Grain, stale));
        Assert.Equal(first.ETag, refused.StoredEtag);
        Assert.Contains("another activation changed it since this one read it", refused.Message, StringComparison.Ordinal);

        var read = State(0);
        await storage.ReadStateAsync("count", Grain, read);
        Assert.Equal((1, first.ETag, true), (read.State!.Value, read.ETag, read.RecordExists));
        read.State!.Value = 3;
        await storage.WriteStateAsync("count", Grain, read);
        Assert.NotEqual(first.ETag, read.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("count", Grain, first));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("count", Grain, first));

        await storage.ClearStateAsync("count", Grain, read);
        Assert.Equal((0, null, false), (read.State!.Value, read.ETag, read.RecordExists));
        var cleared = State(9, "stale");
        await storage.ReadStateAsync("count", Grain, cleared);
        Assert.Equal((0, null, false), (cleared.State!.Value, cleared.ETag, cleared.RecordExists));
    }

    [Fact]
    public async Task Hostile_keys_stay_inside_the_folder_and_apart_from_each_other()
    {
        var storage = Storage();
        string[] keys = ["../x", "a/b", "a%2Fb", "..", ".", "/etc/passwd", "a\\b", "a.b", "ä", new string('k', 400), new string('k', 401)];
        for (var i = 0; i < keys.Length; i++) await storage.WriteStateAsync("count", GrainId.Create("counter", keys[i]), State(i));

        Assert.Equal(keys.Length, Directory.GetFiles(StateFolder).Length);
        Assert.Empty(Directory.GetDirectories(StateFolder));
        Assert.Equal(["state"], Directory.GetFileSystemEntries(Folder).Select(Path.GetFileName));
        for (var i = 0; i < keys.Length; i++)
        {
            var read = State(-1);
            await storage.ReadStateAsync("count", GrainId.Create("counter", keys[i]), read);
            Assert.Equal(i, read.State!.Value);
        }
    }
}
