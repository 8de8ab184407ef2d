using System.Collections;
using Fpo.Grains.Hosting;
using Fpo.Silo.Cli.Loop;
using Orleans.Hosting;
using Orleans.Hosting.Kubernetes;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// Orleans' Kubernetes hosting for `fpo silo` (silo.kubernetes: auto, true or false; auto is on when the downward API
/// sets POD_NAME, POD_NAMESPACE and POD_IP and the backbone is PostgreSQL). Under it Orleans names the silo after its
/// pod, labels the pod with orleans/serviceId and orleans/clusterId, and declares dead the silos whose pods are gone.
/// Membership, grain state and streams stay on PostgreSQL. Fpo's own settings keep the last word: silo.cluster and
/// <see cref="PostgresProviders.ServiceId"/> over ORLEANS_CLUSTER_ID/ORLEANS_SERVICE_ID, silo.address over POD_IP, so a
/// disagreement is refused here rather than resolved silently.
/// </summary>
public static class KubernetesHosting
{
    public const string Key = "silo.kubernetes";

    public static readonly string[] PodVariables =
    [
        KubernetesHostingOptions.PodNameEnvironmentVariable,
        KubernetesHostingOptions.PodNamespaceEnvironmentVariable,
        KubernetesHostingOptions.PodIPEnvironmentVariable,
    ];

    /// <summary>Whether the silo runs under the Kubernetes hosting; a setting that cannot work is a <see cref="CliException"/>.</summary>
    public static bool Enabled(LoopConfig c, IDictionary environment, string backboneKind, ClusterEndpoint endpoint)
    {
        var mode = c.String(Key) ?? "auto";
        if (mode is not ("auto" or "true" or "false")) throw c.Bad(Key, $"'{mode}' is not auto, true or false");
        if (mode == "false") return false;
        var missing = PodVariables.Where(v => string.IsNullOrEmpty(Variable(environment, v))).ToList();
        if (mode == "auto" && (missing.Count > 0 || backboneKind != SiloStoreOptions.Postgres)) return false;
        // The hosting reconciles Orleans membership with the pods; an embedded silo has no membership to reconcile.
        if (backboneKind != SiloStoreOptions.Postgres)
            throw c.Bad(Key, $"is true but backbone.kind is {backboneKind}: the Kubernetes hosting needs a cluster on {SiloStoreOptions.Postgres}");
        if (missing.Count > 0)
            throw c.Bad(Key, $"is true but {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set: give them from the pod's downward API");
        var podIp = Variable(environment, KubernetesHostingOptions.PodIPEnvironmentVariable);
        // Orleans only fills in the pod IP when nothing set the advertised address; Fpo always sets it from silo.address.
        if (podIp != endpoint.Address)
            throw c.Bad("silo.address", $"is {endpoint.Address} but the pod's IP (POD_IP) is {podIp}: set FPO__silo__address from the same downward-API field");
        Agree(environment, KubernetesHostingOptions.ClusterIdEnvironmentVariable, endpoint.ClusterId, "silo.cluster (FPO__silo__cluster)");
        Agree(environment, KubernetesHostingOptions.ServiceIdEnvironmentVariable, PostgresProviders.ServiceId, "Fpo's fixed service id");
        return true;
    }

    /// <summary>
    /// The cluster's Orleans providers: the Kubernetes hosting (when on) registered before the PostgreSQL providers, because
    /// Orleans applies ClusterOptions configurations in registration order and Fpo's ids must be the last applied.
    /// </summary>
    public static ISiloBuilder UseClusterProviders(this ISiloBuilder silo, string connectionString, ClusterEndpoint endpoint, bool kubernetes)
    {
        if (kubernetes) silo.UseKubernetesHosting();
        return silo.UsePostgresProviders(connectionString, endpoint);
    }

    // The stream tables and the pod labels are keyed by these ids: a second, different value would split the cluster.
    private static void Agree(IDictionary environment, string variable, string expected, string setting)
    {
        if (Variable(environment, variable) is { Length: > 0 } value && value != expected)
            throw new CliException($"{variable} is '{value}' but {setting} is '{expected}': unset {variable}; Fpo's value is the one the silo uses");
    }

    private static string? Variable(IDictionary environment, string name) => environment[name] as string;
}
