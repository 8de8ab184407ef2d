using Fpo.Grains.Stores;
using Fpo.Grains.Postgres;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Stores;

/// <summary>The contract on PostgreSQL; polling is slowed to 5 s so that waking promptly proves LISTEN/NOTIFY works.</summary>
public sealed class PostgresRunStoresContractTests(PostgresFixture postgres) : RunStoresContractTests
{
    protected override async Task<IRunStores> OpenFreshAsync() =>
        await PostgresRunStores.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = postgres.ConnectionString,
            RunId = PostgresFixture.NewRunId("contract"),
            PollInterval = TimeSpan.FromSeconds(5),
        }, Ct);
}
