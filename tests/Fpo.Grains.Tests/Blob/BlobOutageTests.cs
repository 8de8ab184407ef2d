using System.Diagnostics;
using Fpo.Grains.Blob;
using Fpo.Grains.Postgres;
using Fpo.Grains.Stores;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Blob;

/// <summary>
/// Azurite going away in the middle of a publish (its own emulator, so no other test sees the outage): restarted as a
/// pod is (SIGTERM, back within seconds) the publish rides it out on the client's retries; killed for good the publish
/// fails with a clear error in bounded time. Either way no reader ever sees a half-published snapshot, and a later publish succeeds.
/// </summary>
public sealed class BlobOutageTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_emulator_restart_mid_publish_is_ridden_out_or_fails_cleanly_with_nothing_half_visible(bool comesBack)
    {
        await using var azurite = await LocalAzuriteServer.CreateAsync(Ct);
        var options = new PostgresStoreOptions
        {
            ConnectionString = postgres.ConnectionString,
            RunId = PostgresFixture.NewRunId("outage"),
            Blobs = new BlobSnapshotOptions { ConnectionString = azurite.ConnectionString, TransferBytes = 1 << 20, SingleRequestBytes = 0, Concurrency = 2 },
        };
        await using var writer = await PostgresRunStores.OpenAsync(options, Ct);
        await writer.Snapshots.PublishAsync(new SnapshotPublication(0, new Dictionary<string, byte[]> { ["assets"] = [1, 2, 3] }, [], 0), Ct);
        var weights = new byte[96 << 20];
        new Random(7).NextBytes(weights);
        var publication = new SnapshotPublication(1, new Dictionary<string, byte[]> { ["model.safetensors"] = weights }, ["p"], 1);

        var clock = Stopwatch.StartNew();
        var publish = writer.Snapshots.PublishAsync(publication, Ct);
        await Task.Delay(300, Ct);
        await azurite.StopAsync(Ct, graceful: comesBack);
        Assert.False(publish.IsCompleted, "the publish finished before the emulator went down; the test needs a bigger snapshot");
        if (comesBack)
        {
            await Task.Delay(1500, Ct);
            await azurite.StartAsync(Ct);
        }
        Exception? failure = null;
        try
        {
            await publish;
        }
        catch (Exception e)
        {
            failure = e;
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"emulator back: {comesBack}; publish {(failure is null ? "succeeded" : "failed: " + failure.Message)} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"the publish took {clock.Elapsed.TotalSeconds:F0} s to end");
        if (comesBack) Assert.Null(failure);
        else
        {
            Assert.NotNull(failure);
            Assert.IsType<IOException>(failure);
            Assert.Contains("snapshot 1 of run", failure.Message, StringComparison.Ordinal);
            Assert.Contains("nothing of the snapshot was published", failure.Message, StringComparison.Ordinal);
            await azurite.StartAsync(Ct);
        }

        // A reader (a fresh store) sees snapshot 1 whole or not at all; the publish then goes through.
        await using var reader = await PostgresRunStores.OpenAsync(options, Ct);
        var latest = await reader.Snapshots.LatestAsync(Ct);
        Assert.Equal(comesBack ? 1 : 0, latest!.Version);
        if (!comesBack) await writer.Snapshots.PublishAsync(publication, Ct);
        Assert.Equal(weights, (await reader.Snapshots.GetAsync(1, Ct)).Files["model.safetensors"]);
    }
}
