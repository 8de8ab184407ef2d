using Fpo.Grains.Backbone;
using Fpo.Grains.Postgres;
using Fpo.Grains.Tests.Embedded;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Postgres;

public sealed class PostgresSmokeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishLeaseAck()
    {
        var log = new List<string>();
        await using var backbone = await PostgresBackbone.OpenAsync(new PostgresBackboneOptions { ConnectionString = postgres.ConnectionString, RunId = PostgresFixture.NewRunId("smoke"), Log = log.Add }, Ct);
        var s = backbone.Stream("x", TextCodec.Instance);
        Assert.Equal(2, await s.PublishAsync([new("a", "1"), new("b", "2"), new("a", "3")], Ct));
        var leased = await s.LeaseAsync(10, TimeSpan.FromSeconds(10), TimeSpan.Zero, Ct);
        Assert.Equal(["a", "b"], leased.Select(l => l.Id));
        Assert.Equal(["a", "b"], await s.AcknowledgeAsync(leased, Ct));
        Assert.Equal(new StreamCounts(0, 0, 2, 0), await s.CountsAsync(Ct));
        Assert.Contains(log, l => l.Contains("migration", StringComparison.Ordinal));
    }
}
