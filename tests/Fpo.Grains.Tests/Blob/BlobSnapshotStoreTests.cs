using Azure.Storage.Blobs;
using Fpo.Grains.Blob;
using Fpo.Grains.Postgres;
using Fpo.Grains.Stores;
using Fpo.Testing;
using Npgsql;

namespace Fpo.Grains.Tests.Blob;

/// <summary>
/// The snapshot store with its bytes in blob storage, against a real Azurite: round trip through parallel transfers,
/// a damaged blob refused with a message that says how, write-once blobs and the compare-and-set between two
/// trainers, and the retention policy. Each reader is a store of its own, as another process would be, so no test
/// reads from the writer's memory.
/// </summary>
public sealed class BlobSnapshotStoreTests(PostgresFixture postgres, AzuriteFixture azurite) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly BlobTestRun _run = new(postgres, azurite, "blob");

    // Small transfer requests, and none in one piece, so a few MiB already take the parallel path.
    private Task<PostgresRunStores> OpenAsync(int fullEvery = 10) =>
        _run.OpenAsync(o => o with { FullEvery = fullEvery, TransferBytes = 1 << 20, SingleRequestBytes = 0 });

    private BlobContainerClient Container() => _run.Container();

    private Task<List<string>> BlobsAsync() => _run.BlobsAsync();

    private static SnapshotPublication Publication(long version, byte[] weights, params string[] ids) =>
        new(version, new Dictionary<string, byte[]> { ["model.safetensors"] = weights }, ids, version);

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _run.DisposeAsync();

    [Fact]
    public async Task A_snapshot_round_trips_through_parallel_transfers_and_its_bytes_stay_out_of_the_database()
    {
        var writer = await OpenAsync();
        var weights = RandomBytes(9 << 20, seed: 1);   // 9 transfer requests each way at 1 MiB
        await writer.Snapshots.PublishAsync(Publication(0, RandomBytes(1000, 2)), Ct);
        var info = await writer.Snapshots.PublishAsync(Publication(1, weights, "p1"), Ct);

        var reader = await OpenAsync();
        var content = await reader.Snapshots.GetAsync(1, Ct);
        Assert.Equal(weights, content.Files["model.safetensors"]);
        Assert.Equal(info, content.Info);
        Assert.Equal(2, (await BlobsAsync()).Count);
        await using var source = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using var count = source.CreateCommand($"select count(*) from fpo_snapshot_chunks where run = '{_run.Id}'");
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync(Ct))!);
    }

    [Theory]
    [InlineData("tampered", "was altered")]
    [InlineData("truncated", "(truncated)")]
    [InlineData("extended", "holds more than")]
    [InlineData("deleted", "is missing")]
    public async Task A_damaged_blob_is_refused_naming_the_snapshot_the_file_and_the_damage(string damage, string expected)
    {
        var writer = await OpenAsync();
        var weights = RandomBytes(3 << 20, seed: 3);
        await writer.Snapshots.PublishAsync(Publication(0, weights), Ct);
        var name = Assert.Single(await BlobsAsync());
        var blob = Container().GetBlobClient(name);
        var damaged = damage switch
        {
            "tampered" => weights.ToArray(),
            "truncated" => weights[..^1000],
            "extended" => [.. weights, 0],
            _ => null,
        };
        if (damaged is null) await blob.DeleteAsync(cancellationToken: Ct);
        else
        {
            if (damage == "tampered") damaged[12345] ^= 0x40;
            await blob.UploadAsync(BinaryData.FromBytes(damaged), overwrite: true, Ct);
        }

        var reader = await OpenAsync();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => reader.Snapshots.GetAsync(0, Ct));
        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Contains($"snapshot 0 of run '{_run.Id}', file 'model.safetensors'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blobs_are_written_once_and_of_two_trainers_publishing_one_version_exactly_one_wins_and_the_loser_leaves_nothing_visible()
    {
        var elected = await OpenAsync();
        var zombie = await OpenAsync();
        await elected.Snapshots.PublishAsync(Publication(0, RandomBytes(100, 4)), Ct);
        var outcomes = await Task.WhenAll(
            Attempt(elected.Snapshots.PublishAsync(Publication(1, RandomBytes(2 << 20, 5), "a"), Ct)),
            Attempt(zombie.Snapshots.PublishAsync(Publication(1, RandomBytes(2 << 20, 6), "b"), Ct)));
        Assert.Single(outcomes, o => o is SnapshotInfo);
        Assert.Single(outcomes, o => o is SnapshotConflictException);
        var winner = (SnapshotInfo)outcomes.Single(o => o is SnapshotInfo);
        var reader = await OpenAsync();
        Assert.Equal(winner.Sha256, (await reader.Snapshots.GetAsync(1, Ct)).Info.Sha256);

        // The loser's blob is named by no row; the retention pass sweeps it and leaves the published ones.
        Assert.Equal(3, (await BlobsAsync()).Count);
        await ((ISnapshotRetention)reader.Snapshots).RetainAsync(new SnapshotRetentionPolicy(10, 0), [], Ct);
        Assert.Equal(2, (await BlobsAsync()).Count);
        Assert.Equal(winner.Sha256, (await (await OpenAsync()).Snapshots.GetAsync(1, Ct)).Info.Sha256);

        // Write-once at the blob itself: the same bytes again are an earlier attempt's (accepted), other bytes are refused.
        var files = new BlobSnapshotFiles(new BlobSnapshotOptions { ConnectionString = azurite.ConnectionString }, _run.Id);
        var name = files.NameOf(7, new string('a', 64), "x");
        await files.PutOnceAsync(name, [1, 2, 3], Sha([1, 2, 3]), Ct);
        await files.PutOnceAsync(name, [1, 2, 3], Sha([1, 2, 3]), Ct);
        var refused = await Assert.ThrowsAsync<SnapshotConflictException>(() => files.PutOnceAsync(name, [9], Sha([9]), Ct));
        Assert.Contains("written once", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await Container().GetBlobClient(name).DownloadContentAsync(Ct)).Value.Content.ToArray());
    }

    [Fact]
    public async Task Retention_keeps_the_newest_every_kth_version_zero_and_what_a_rollout_serves_and_lineage_verify_still_passes()
    {
        var writer = await OpenAsync(fullEvery: 1);
        for (var v = 0; v <= 12; v++) await writer.Snapshots.PublishAsync(Publication(v, RandomBytes(4096, 10 + v), v == 0 ? [] : [$"p{v}"]), Ct);
        foreach (var v in Enumerable.Range(1, 12)) await JudgedAsync(writer, v);

        var removed = await ((ISnapshotRetention)writer.Snapshots).RetainAsync(new SnapshotRetentionPolicy(KeepNewest: 3, KeepEvery: 5), pinned: [3], Ct);

        Assert.Equal([1L, 2, 4, 6, 7, 8, 9], removed);
        var reader = await OpenAsync();
        var gone = await Assert.ThrowsAsync<KeyNotFoundException>(() => reader.Snapshots.GetAsync(2, Ct));
        Assert.Contains("retention policy removed them", gone.Message, StringComparison.Ordinal);
        foreach (var kept in new long[] { 0, 3, 5, 10, 11, 12 }) Assert.Equal(kept, (await reader.Snapshots.GetAsync(kept, Ct)).Info.Version);
        Assert.Equal(6, (await BlobsAsync()).Count);
        Assert.Equal(13, (await reader.Snapshots.ListAsync(Ct)).Count);
        var lineage = await reader.VerifyLineageAsync(Ct);
        Assert.True(lineage.Holds, string.Join('\n', lineage.Violations));
        Assert.Empty(await ((ISnapshotRetention)writer.Snapshots).RetainAsync(new SnapshotRetentionPolicy(3, 5), [3], Ct));
    }

    private static Task JudgedAsync(IRunStores stores, int v) => stores.Journal.AppendAsync(Contracts.JournalKinds.JudgedBatch, $"b{v}",
        System.Text.Json.JsonSerializer.Serialize(new Contracts.BatchTally(1, 1, 0, 0, [$"p{v}"]), Contracts.JournalKinds.Json), Ct);

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static async Task<object> Attempt(Task<SnapshotInfo> publish)
    {
        try
        {
            return await publish;
        }
        catch (SnapshotConflictException e)
        {
            return e;
        }
    }
}
