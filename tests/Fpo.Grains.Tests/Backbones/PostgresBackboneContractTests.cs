using Fpo.Grains.Backbone;
using Fpo.Grains.Postgres;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Backbones;

/// <summary>The contract on PostgreSQL; polling is slowed to 5 s so that waking promptly proves LISTEN/NOTIFY works.</summary>
public sealed class PostgresBackboneContractTests(PostgresFixture postgres) : BackboneContractTests
{
    protected override async Task<IBackbone> OpenFreshAsync() =>
        await PostgresBackbone.OpenAsync(new PostgresBackboneOptions
        {
            ConnectionString = postgres.ConnectionString,
            RunId = PostgresFixture.NewRunId("contract"),
            PollInterval = TimeSpan.FromSeconds(5),
        }, Ct);
}
