using Azure.Storage.Blobs;
using Fpo.Grains.Blob;
using Fpo.Grains.Postgres;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Blob;

/// <summary>
/// One test's run on the shared PostgreSQL and Azurite: stores opened as separate processes would open them (so no
/// reader sees a writer's memory), all closed with the run, and direct access to the run's blobs for damaging them.
/// </summary>
internal sealed class BlobTestRun(PostgresFixture postgres, AzuriteFixture azurite, string prefix) : IAsyncDisposable
{
    private readonly List<PostgresRunStores> _opened = [];

    public string Id { get; } = PostgresFixture.NewRunId(prefix);

    /// <summary>Stores of this run with the snapshot bytes in Azurite; <paramref name="shape"/> adjusts the blob options.</summary>
    public async Task<PostgresRunStores> OpenAsync(Func<BlobSnapshotOptions, BlobSnapshotOptions>? shape = null)
    {
        var blobs = new BlobSnapshotOptions { ConnectionString = azurite.ConnectionString };
        var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = postgres.ConnectionString,
            RunId = Id,
            Blobs = shape is null ? blobs : shape(blobs),
        }, TestContext.Current.CancellationToken);
        _opened.Add(stores);
        return stores;
    }

    public BlobContainerClient Container() =>
        new BlobServiceClient(azurite.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06))
            .GetBlobContainerClient(BlobSnapshotOptions.DefaultContainer);

    /// <summary>The names of this run's blobs.</summary>
    public async Task<List<string>> BlobsAsync()
    {
        var names = new List<string>();
        await foreach (var item in Container().GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = Id + "/" }, TestContext.Current.CancellationToken))
            names.Add(item.Name);
        return names;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stores in _opened) await stores.DisposeAsync();
    }
}
