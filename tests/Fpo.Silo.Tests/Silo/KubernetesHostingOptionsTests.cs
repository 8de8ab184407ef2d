using System.Net;
using Fpo.Grains.Hosting;
using Fpo.Silo.Cli.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Fpo.Silo.Tests.Silo;

[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

/// <summary>
/// Orleans' Kubernetes hosting reads the pod variables (and ORLEANS_CLUSTER_ID/ORLEANS_SERVICE_ID) from the process
/// environment itself, so these tests set them for real, alone (no other test runs meanwhile), and build, never start,
/// the silo's host: which settings win when both Fpo and the hosting configure them.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class KubernetesHostingOptionsTests : IDisposable
{
    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["POD_NAME"] = "fpo-judge-7d9f-abcde", ["POD_NAMESPACE"] = "fpo", ["POD_IP"] = "10.1.2.3",
        ["ORLEANS_CLUSTER_ID"] = "from-the-pod", ["ORLEANS_SERVICE_ID"] = "from-the-pod",
    };

    public KubernetesHostingOptionsTests()
    {
        foreach (var (name, value) in Variables) Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (var name in Variables.Keys) Environment.SetEnvironmentVariable(name, null);
    }

    [Fact]
    public void The_silo_is_named_after_its_pod_and_keeps_fpos_cluster_service_id_and_address()
    {
        using var host = Build(kubernetes: true);

        var cluster = host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal(("fpo-test", PostgresProviders.ServiceId), (cluster.ClusterId, cluster.ServiceId));
        // Membership names silos by SiloName; the hosting matches pods to silos by it, so it must be the pod's name.
        Assert.Equal("fpo-judge-7d9f-abcde", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal((IPAddress.Parse("10.1.2.3"), 11111, 30000), (endpoints.AdvertisedIPAddress, endpoints.SiloPort, endpoints.GatewayPort));
    }

    [Fact]
    public void Without_the_hosting_the_pod_variables_change_nothing()
    {
        using var host = Build(kubernetes: false);

        Assert.Equal("fpo-test", host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterId);
        Assert.NotEqual("fpo-judge-7d9f-abcde", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
    }

    private static IHost Build(bool kubernetes) => new HostBuilder()
        .UseOrleans(s => s.UseClusterProviders("Host=127.0.0.1;Username=fpo;Password=x;Database=fpo",
            new ClusterEndpoint("10.1.2.3", 11111, 30000, ListenOnAnyAddress: true, ClusterId: "fpo-test"), kubernetes))
        .Build();
}
