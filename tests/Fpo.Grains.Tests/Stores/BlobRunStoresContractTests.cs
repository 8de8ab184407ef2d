using Fpo.Grains.Blob;
using Fpo.Grains.Postgres;
using Fpo.Grains.Stores;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Stores;

/// <summary>The contract on PostgreSQL with the snapshot bytes in blob storage (a real Azurite).</summary>
public sealed class BlobRunStoresContractTests(PostgresFixture postgres, AzuriteFixture azurite) : RunStoresContractTests
{
    protected override async Task<IRunStores> OpenFreshAsync() =>
        await PostgresRunStores.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = postgres.ConnectionString,
            RunId = PostgresFixture.NewRunId("blob-contract"),
            PollInterval = TimeSpan.FromSeconds(5),
            Blobs = new BlobSnapshotOptions { ConnectionString = azurite.ConnectionString },
        }, Ct);
}
