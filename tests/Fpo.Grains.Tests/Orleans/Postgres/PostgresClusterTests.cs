using Fpo.Grains.Orleans.Postgres;
using Fpo.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// Two silos on the PostgreSQL providers form one cluster that an external client reaches, keep reminders, and keep
/// grain state across a restart of the whole cluster.
/// </summary>
[Collection(OrleansPostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresFixture postgres)
{
    [Fact]
    public async Task TwoSilosFormOneClusterThatAClientReachesAndWhoseRemindersFire()
    {
        var setup = SiloSetup.Fresh(postgres.ConnectionString, "formation");
        var silos = await TestSilo.StartClusterAsync(setup, 2);
        try
        {
            var rows = await MembershipAsync(setup.ClusterId);
            Assert.Equal(silos.Select(s => (s.Address.ToParsableString(), 3)).Order(), rows.Order());

            using (var client = await StartClientAsync(setup))
            {
                Assert.Equal(5, await client.Services.GetRequiredService<IClusterClient>().GetGrain<ICounterGrain>("via-client").AddAsync(5));
                await client.StopAsync(TestContext.Current.CancellationToken);
            }

            await silos[0].Grains.GetGrain<IReminderProbeGrain>("tick").StartAsync(TimeSpan.FromMilliseconds(200));
            await setup.Signals.WaitAsync("the reminder of grain 'tick' to fire",
                s => s.Events(ReminderProbeGrain.Topic).Any(e => e.StartsWith("tick@", StringComparison.Ordinal)), TimeSpan.FromSeconds(15));
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task GrainStateWrittenThroughOneSiloIsReadByANewClusterAfterBothStopped()
    {
        var setup = SiloSetup.Fresh(postgres.ConnectionString, "state");
        var silos = await TestSilo.StartClusterAsync(setup, 2);
        try
        {
            var grains = silos[0].Grains;
            await grains.GetGrain<ICounterGrain>("run-1").AddAsync(5);
            await grains.GetGrain<ICounterGrain>("run-1").AddAsync(6);
            // Orleans' ADO.NET storage alone would give these the row of "run-1" or "20235" above.
            await grains.GetGrain<IOtherCounterGrain>("run-1").AddAsync(7);
            await grains.GetGrain<ICounterGrain>("20235").AddAsync(1);
            await grains.GetGrain<ICounterGrain>("020235").AddAsync(2);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }

        await using var next = await TestSilo.StartAsync(setup.NextCluster(), "next");
        Assert.Equal(
            (11, 7, 1, 2),
            (await next.Grains.GetGrain<ICounterGrain>("run-1").GetAsync(),
             await next.Grains.GetGrain<IOtherCounterGrain>("run-1").GetAsync(),
             await next.Grains.GetGrain<ICounterGrain>("20235").GetAsync(),
             await next.Grains.GetGrain<ICounterGrain>("020235").GetAsync()));
        Assert.Equal(4L, await ScalarAsync<long>("select count(*) from OrleansStorage where ServiceId = @service", ("service", setup.ServiceId)));
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using var command = source.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task<List<(string Silo, int Status)>> MembershipAsync(string clusterId)
    {
        await using var source = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using var command = source.CreateCommand("select Address, Port, Generation, Status from OrleansMembershipTable where DeploymentId = @cluster");
        command.Parameters.AddWithValue("cluster", clusterId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<(string, int)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            rows.Add(($"{reader.GetString(0)}:{reader.GetInt32(1)}@{reader.GetInt32(2)}", reader.GetInt32(3)));
        return rows;
    }

    private static async Task<IHost> StartClientAsync(SiloSetup setup)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (setup.ClusterId, setup.ServiceId))
            .UsePostgresClustering(setup.ConnectionString));
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
