using Fpo.Grains.Blob;
using Fpo.Grains.Postgres;
using Fpo.Grains.Roles;
using Fpo.Grains.Stores;
using Fpo.Models.Transformer;
using Fpo.Testing;
using Npgsql;

namespace Fpo.Grains.Tests.Blob;

/// <summary>
/// Delta sync through the blob store, on real safetensors snapshots of a small GPT-2 after Adam-sized steps: versions
/// between full ones go up as deltas of their predecessor, a reader that holds the previous version moves only the
/// delta, a cold reader walks the chain from the last full snapshot, both get the published bytes bit for bit (so the
/// same tokens), and a damaged delta is refused.
/// </summary>
public sealed class BlobDeltaSyncTests(PostgresFixture postgres, AzuriteFixture azurite) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly BlobTestRun _run = new(postgres, azurite, "delta");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _run.DisposeAsync();

    private Task<PostgresRunStores> OpenAsync() => _run.OpenAsync(o => o with { FullEvery = 3 });

    // Versions 0..4 of a small GPT-2: each an AdamW-sized step (every weight moves by ±lr) from the one before.
    private static List<Dictionary<string, byte[]>> Versions(SnapshotDType dtype)
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(512, 64, layers: 2, channels: 64, heads: 2), seed: 3);
        var random = new Random(5);
        var versions = new List<Dictionary<string, byte[]>>();
        for (var v = 0; v < 5; v++)
        {
            if (v > 0) for (var i = 0; i < model.Parameters.Length; i++) model.Parameters[i] += random.Next(2) == 0 ? -1e-4f : 1e-4f;
            versions.Add(PolicySnapshot.Files(model, dtype));
        }
        return versions;
    }

    [Theory]
    [InlineData(SnapshotDType.BF16)]
    [InlineData(SnapshotDType.F32)]
    public async Task Versions_between_full_ones_travel_as_deltas_and_read_back_bit_for_bit_warm_or_cold(SnapshotDType dtype)
    {
        var versions = Versions(dtype);
        var writer = await OpenAsync();
        for (var v = 0; v < versions.Count; v++) await writer.Snapshots.PublishAsync(new SnapshotPublication(v, versions[v], v == 0 ? [] : [$"p{v}"], v), Ct);

        var rows = await RowsAsync();
        Assert.Equal([null, 0L, 1L, null, 3L], rows.Select(r => r.DeltaBase));   // full every 3
        var file = versions[0][PolicySnapshot.WeightsFile].LongLength;
        foreach (var row in rows.Where(r => r.DeltaBase is not null))
            TestContext.Current.TestOutputHelper?.WriteLine($"{dtype}: delta of version {row.DeltaBase} is {row.StoredBytes} of {file} bytes ({(double)row.StoredBytes / file:P0})");
        Assert.All(rows.Where(r => r.DeltaBase is not null), r => Assert.True(r.StoredBytes < file * SnapshotDeltas.MaxShare));

        var warm = await OpenAsync();
        for (var v = 0; v < versions.Count; v++)
            Assert.Equal(versions[v][PolicySnapshot.WeightsFile], (await warm.Snapshots.GetAsync(v, Ct)).Files[PolicySnapshot.WeightsFile]);
        var cold = await OpenAsync();   // holds nothing: 2 is full 0 + delta 1 + delta 2
        Assert.Equal(versions[2][PolicySnapshot.WeightsFile], (await cold.Snapshots.GetAsync(2, Ct)).Files[PolicySnapshot.WeightsFile]);
    }

    [Fact]
    public async Task A_damaged_delta_is_refused_naming_the_snapshot()
    {
        var versions = Versions(SnapshotDType.BF16);
        var writer = await OpenAsync();
        for (var v = 0; v < 2; v++) await writer.Snapshots.PublishAsync(new SnapshotPublication(v, versions[v], [], v), Ct);
        var delta = (await RowsAsync()).Single(r => r.DeltaBase is not null);
        var blob = _run.Container().GetBlobClient(delta.Location);
        var bytes = (await blob.DownloadContentAsync(Ct)).Value.Content.ToArray();
        bytes[^10] ^= 1;
        await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, Ct);

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await (await OpenAsync()).Snapshots.GetAsync(1, Ct));
        Assert.Contains($"snapshot 1 of run '{_run.Id}', file '{PolicySnapshot.WeightsFile}'", error.Message, StringComparison.Ordinal);
    }

    private async Task<List<(long? DeltaBase, long StoredBytes, string Location)>> RowsAsync()
    {
        await using var source = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using var command = source.CreateCommand($"select delta_base, stored_bytes, location from fpo_snapshot_files where run = '{_run.Id}' order by version");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<(long?, long, string)>();
        while (await reader.ReadAsync(Ct)) rows.Add((reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        return rows;
    }
}
