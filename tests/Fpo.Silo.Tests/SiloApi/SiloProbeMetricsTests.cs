using System.Net;
using System.Net.Http.Headers;
using Fpo.Grains.Cluster;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>The probe server's /metrics (every `fpo silo` without the api role): this silo's status through OpenTelemetry, behind the token.</summary>
public sealed class SiloProbeMetricsTests
{
    private const string Token = "probe-token";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_report_the_roles_the_queue_depths_and_the_runtime()
    {
        var queues = new Dictionary<string, long> { ["prompts"] = 3 };
        var status = new SiloRolesStatus("probe", [new RunSnapshot("run-1", 7)], TimeSpan.FromSeconds(42), [new RoleStatus("rollout", "restarting in 2 s", "")], queues, null);
        await using var server = await SiloProbeServer.StartAsync(new SiloApiOptions { Port = 0, Token = Token }, _ => Task.FromResult(status), null, Ct);
        using var http = new HttpClient { BaseAddress = server.Address };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics", Ct)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var samples = PrometheusSamples.Parse(await http.GetStringAsync("/metrics", Ct));
        double Value(string name, string labels = "{}") => samples.Single(s => s.Name == name && s.Labels == labels).Value;
        Assert.Equal(1, Value("fpo_backbone_up"));
        Assert.Equal(7, Value("fpo_snapshot_version", "{run=\"run-1\"}"));
        Assert.Equal(42, Value("fpo_silo_uptime_seconds"));
        Assert.Equal(1, Value("fpo_silo_role", "{role=\"rollout\",state=\"restarting\"}"));
        Assert.Equal(3, Value("fpo_stream_records", "{state=\"pending\",stream=\"prompts\"}"));
        Assert.DoesNotContain(samples, s => s.Name == "fpo_stream_records" && !s.Labels.Contains("state=\"pending\"", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Name == "dotnet_gc_collections_total");
    }
}
