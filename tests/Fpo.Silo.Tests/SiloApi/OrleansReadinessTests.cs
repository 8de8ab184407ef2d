using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using Fpo.Grains.Cluster;
using Fpo.Silo.SiloApi;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>/readyz follows the Orleans silo: not ready until it is Active in its cluster, and not ready again once it stops.</summary>
public sealed class OrleansReadinessTests
{
    private const string Token = "readiness-token";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Only_an_active_silo_whose_health_checks_pass_is_ready()
    {
        Assert.Equal(["the Orleans silo is Joining, not Active in the cluster"], OrleansReadiness.Problems(SiloStatus.Joining, [new Check(null)]));
        Assert.Empty(OrleansReadiness.Problems(SiloStatus.Active, [new Check(null)]));
        Assert.Equal(["Orleans health check Check: membership timer late"],
            OrleansReadiness.Problems(SiloStatus.Active, [new Check(null), new Check("membership timer late")]));
        Assert.Empty(OrleansReadiness.Problems(null));
    }

    [Fact]
    public async Task The_probe_servers_readyz_waits_for_the_silo_to_join_and_drops_when_it_stops()
    {
        using var silo = new HostBuilder().UseOrleans(s => s.UseLocalhostClustering(FreePort(), FreePort())).Build();
        var status = new SiloRolesStatus("probe", [], TimeSpan.Zero, [], null, null);
        await using var server = await SiloProbeServer.StartAsync(new SiloApiOptions { Port = 0, Token = Token }, _ => Task.FromResult(status), silo.Services, Ct);
        using var http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var before = await http.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Contains("not Active in the cluster", await before.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        await silo.StartAsync(Ct);
        var running = await http.GetAsync("/readyz", Ct);
        Assert.True(running.StatusCode == HttpStatusCode.OK, await running.Content.ReadAsStringAsync(Ct));

        await silo.StopAsync(Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz", Ct)).StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Check(string? complaint) : IHealthCheckParticipant
    {
        public bool CheckHealth(DateTime lastCheckTime, [MaybeNullWhen(true)] out string reason)
        {
            reason = complaint;
            return complaint is null;
        }
    }
}
