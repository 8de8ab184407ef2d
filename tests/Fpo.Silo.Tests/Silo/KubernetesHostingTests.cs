using System.Collections;
using Fpo.Grains.Hosting;
using Fpo.Silo.Cli;
using Fpo.Silo.Cli.Loop;
using Fpo.Silo.Cli.Silo;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Silo;

/// <summary>silo.kubernetes: when `fpo silo` turns Orleans' Kubernetes hosting on, and the settings it refuses because they would fight it.</summary>
public sealed class KubernetesHostingTests
{
    private const string PodIp = "10.1.2.3";

    [Fact]
    public void Auto_is_on_only_when_the_downward_api_sets_every_pod_variable_on_a_postgres_backbone()
    {
        Assert.True(Enabled(Pod()));
        foreach (var variable in KubernetesHosting.PodVariables)
        {
            var env = Pod();
            env.Remove(variable);
            Assert.False(Enabled(env), $"auto stayed on without {variable}");
            env[variable] = "";
            Assert.False(Enabled(env), $"auto stayed on with an empty {variable}");
        }
        Assert.False(Enabled(new Hashtable()));
        Assert.False(Enabled(Pod(), SiloStoreOptions.Embedded));
    }

    [Fact]
    public void False_turns_it_off_in_a_pod_and_true_insists_on_the_pod_variables()
    {
        var off = Pod();
        off["FPO__silo__kubernetes"] = "false";
        Assert.False(Enabled(off));

        var on = new Hashtable { ["FPO__silo__kubernetes"] = "true", ["POD_NAME"] = "fpo-rollout-0" };
        var e = Assert.Throws<CliException>(() => Enabled(on));
        Assert.Contains("silo.kubernetes: is true but POD_NAMESPACE, POD_IP are not set", e.Message, StringComparison.Ordinal);

        var embedded = Pod();
        embedded["FPO__silo__kubernetes"] = "true";
        e = Assert.Throws<CliException>(() => Enabled(embedded, SiloStoreOptions.Embedded));
        Assert.Contains("backbone.kind is embedded", e.Message, StringComparison.Ordinal);

        var typo = Pod();
        typo["FPO__silo__kubernetes"] = "yes";
        Assert.Contains("'yes' is not auto, true or false", Assert.Throws<CliException>(() => Enabled(typo)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_advertised_address_or_orleans_ids_other_than_fpos_are_refused()
    {
        var elsewhere = Pod();
        elsewhere["FPO__silo__address"] = "10.9.9.9";
        var e = Assert.Throws<CliException>(() => Enabled(elsewhere));
        Assert.Contains("silo.address: is 10.9.9.9 but the pod's IP (POD_IP) is 10.1.2.3", e.Message, StringComparison.Ordinal);

        var cluster = Pod();
        cluster["ORLEANS_CLUSTER_ID"] = "other";
        e = Assert.Throws<CliException>(() => Enabled(cluster));
        Assert.Contains("ORLEANS_CLUSTER_ID is 'other' but silo.cluster (FPO__silo__cluster) is 'fpo'", e.Message, StringComparison.Ordinal);

        var service = Pod();
        service["ORLEANS_SERVICE_ID"] = "other";
        Assert.Contains("ORLEANS_SERVICE_ID is 'other'", Assert.Throws<CliException>(() => Enabled(service)).Message, StringComparison.Ordinal);

        // The same values are no conflict.
        var same = Pod();
        (same["ORLEANS_CLUSTER_ID"], same["ORLEANS_SERVICE_ID"]) = ("fpo", PostgresProviders.ServiceId);
        Assert.True(Enabled(same));
    }

    // What the manifests give a silo: the pod variables and its pod IP as the advertised address.
    private static Hashtable Pod() => new()
    {
        ["POD_NAME"] = "fpo-rollout-0", ["POD_NAMESPACE"] = "fpo", ["POD_IP"] = PodIp, ["FPO__silo__address"] = PodIp,
    };

    private static bool Enabled(Hashtable environment, string backbone = SiloStoreOptions.Postgres)
    {
        environment[SiloConfigKeys.ConnectionVariable] = "Host=fpo-postgres;Username=fpo;Password=x;Database=fpo";
        var config = LoopConfig.Load(Path.Combine(RepoPaths.Root, "silo-config", "rollout.yaml"), environment, [], SiloConfigKeys.All, "fpo silo", []);
        return KubernetesHosting.Enabled(config, environment, backbone, SiloSettingsReader.Endpoint(config));
    }
}
