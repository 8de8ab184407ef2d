using System.Diagnostics;
using Fpo.Testing;
using Npgsql;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// With the membership options for a small cluster, a SIGKILLed silo is declared dead by the survivor within seconds,
/// and a silo started after every silo was killed joins within seconds, instead of waiting about a minute (Orleans'
/// defaults) for the dead silos' heartbeats to go stale.
/// </summary>
[Collection(OrleansPostgresCollection.Name)]
public sealed class PostgresFailureDetectionTests(PostgresFixture postgres)
{
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task AKilledSiloIsDeclaredDeadAndAClusterRestartedAfterAllDiedStartsInSeconds()
    {
        var output = TestContext.Current.TestOutputHelper;
        var setup = SiloSetup.Fresh(await TestDatabase.CreateAsync(postgres.ConnectionString, "failure"), "failure");
        using var survivor = KillableSilo.Start(setup, "survivor");
        await survivor.ActiveAsync(TimeSpan.FromSeconds(30));
        // Started after the survivor is active, so that it joins only once the two have reached each other.
        using var victim = KillableSilo.Start(setup, "victim");
        await victim.ActiveAsync(TimeSpan.FromSeconds(30));
        await using var watch = await DatabaseWatch.StartAsync(setup.ConnectionString, "OrleansMembershipTable");

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var (_, votes) = await watch.WaitUntilAsync($"the killed {victim.Address} to be declared dead",
            () => RowAsync(setup, victim.Address), row => row.Status == Dead, TimeSpan.FromSeconds(15));
        var declaredDead = clock.Elapsed;
        output?.WriteLine($"a SIGKILLed silo was declared dead after {declaredDead.TotalSeconds:0.00} s");
        Assert.StartsWith(survivor.Address + ",", votes, StringComparison.Ordinal);
        Assert.True(declaredDead < TimeSpan.FromSeconds(5), $"declaring a killed silo dead took {declaredDead.TotalSeconds:0.0} s");

        survivor.Kill();
        await using var restarted = await TestSilo.StartAsync(setup, "restarted");
        output?.WriteLine($"a silo started after every silo was killed was active after {restarted.StartTime.TotalSeconds:0.00} s");
        Assert.Equal(Dead, (await RowAsync(setup, survivor.Address)).Status);
        Assert.Equal(Active, (await RowAsync(setup, restarted.Address.ToParsableString())).Status);
        Assert.True(restarted.StartTime < TimeSpan.FromSeconds(15), $"starting after every silo was killed took {restarted.StartTime.TotalSeconds:0.0} s");
    }

    /// <summary>The membership row of the silo at <paramref name="address"/> ("ip:port@generation"): its status and the votes against it.</summary>
    private static async Task<(int Status, string Votes)> RowAsync(SiloSetup setup, string address)
    {
        var (endpoint, generation) = (address[..address.IndexOf('@', StringComparison.Ordinal)], address[(address.IndexOf('@', StringComparison.Ordinal) + 1)..]);
        await using var source = NpgsqlDataSource.Create(setup.ConnectionString);
        await using var command = source.CreateCommand("""
            select Status, coalesce(SuspectTimes, '') from OrleansMembershipTable
            where DeploymentId = @cluster and Address || ':' || Port = @endpoint and Generation::text = @generation
            """);
        command.Parameters.AddWithValue("cluster", setup.ClusterId);
        command.Parameters.AddWithValue("endpoint", endpoint);
        command.Parameters.AddWithValue("generation", generation);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken), $"{address} has no row in the membership table of cluster {setup.ClusterId}");
        return (reader.GetInt32(0), reader.GetString(1));
    }
}
