using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// What every rendered Fpo deployment must satisfy, whatever the overlay: each container has CPU and memory requests
/// and limits, liveness and readiness probes and a non-root security context without privilege escalation; no Secret
/// carries a value (secrets are created out of band) and every secret reference names fpo-secrets; the silo config
/// map holds exactly the role files of silo-config/; every silo names a config file the map has; the trainer runs as
/// exactly one replica and nothing autoscales it; rollout and judge pools have a disruption budget and an autoscaler;
/// silos get enough time to finish a batch on SIGTERM; no connection string or Azurite account carries a key or password
/// literally. What Orleans' Kubernetes hosting needs is <see cref="OrleansPodPolicy"/>, the snapshot store's wiring
/// <see cref="BlobStorePolicy"/>.
/// </summary>
internal static class ManifestPolicy
{
    public const string SecretName = "fpo-secrets";
    public const string ConfigMapPrefix = "fpo-silo-config";
    public static readonly string[] Roles = ["trainer", "rollout", "reference", "judge", "api"];

    /// <summary>The silo's own clean-stop budget (Program.cs ProcessTerminationTimeout): Kubernetes must wait at least that long.</summary>
    public const int SiloStopSeconds = 60;

    public static List<string> Check(IReadOnlyList<Manifest> objects, IReadOnlyDictionary<string, string> siloConfigFiles)
    {
        var violations = new List<string>();
        var configs = Manifest.Map(objects.FirstOrDefault(o => o.Kind == "ConfigMap" && o.Name.StartsWith(ConfigMapPrefix, StringComparison.Ordinal))?.Root, "data");
        var silos = new List<(Manifest, YamlNode)>();
        foreach (var o in objects)
        {
            if (o.Kind == "Secret" && (Manifest.Get(o.Root, "data") is not null || Manifest.Get(o.Root, "stringData") is not null))
                violations.Add($"{o}: a Secret in the manifests carries values; create it out of band");
            if (o.PodSpec is { } pod) CheckPod(o, pod, configs, silos, violations);
        }
        OrleansPodPolicy.CheckRbac(objects, silos.Select(s => s.Item1).Distinct(), violations);
        BlobStorePolicy.Check(objects, silos, violations);
        CheckConfigMap(objects, siloConfigFiles, violations);
        CheckTrainer(objects, violations);
        foreach (var pool in new[] { "rollout", "judge" })
        {
            if (!objects.Any(o => o.Kind == "PodDisruptionBudget" && Manifest.Text(o.Root, "spec", "selector", "matchLabels", "app.kubernetes.io/component") == pool))
                violations.Add($"the {pool} pool has no PodDisruptionBudget");
            if (!objects.Any(o => o.Kind == "HorizontalPodAutoscaler" && Manifest.Text(o.Root, "spec", "scaleTargetRef", "name") == $"fpo-{pool}"))
                violations.Add($"the {pool} pool has no HorizontalPodAutoscaler");
        }
        return violations;
    }

    private static void CheckPod(Manifest o, YamlMappingNode pod, YamlMappingNode? configs, List<(Manifest, YamlNode)> silos, List<string> violations)
    {
        var podNonRoot = Manifest.Text(pod, "securityContext", "runAsNonRoot") == "true";
        foreach (var c in Manifest.Items(pod, "containers").Concat(Manifest.Items(pod, "initContainers")))
        {
            var name = $"{o} container {Manifest.Text(c, "name")}";
            foreach (var kind in new[] { "requests", "limits" })
                foreach (var resource in new[] { "cpu", "memory" })
                    if (Manifest.Text(c, "resources", kind, resource) is null) violations.Add($"{name}: no {resource} {kind}");
            foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
                if (Manifest.Get(c, probe) is null) violations.Add($"{name}: no {probe}");
            var nonRoot = Manifest.Text(c, "securityContext", "runAsNonRoot") is { } own ? own == "true" : podNonRoot;
            if (!nonRoot) violations.Add($"{name}: not runAsNonRoot");
            if (Manifest.Text(c, "securityContext", "allowPrivilegeEscalation") != "false") violations.Add($"{name}: allowPrivilegeEscalation is not false");
            foreach (var env in Manifest.Items(c, "env"))
            {
                if (Manifest.Text(env, "valueFrom", "secretKeyRef", "name") is { } secret && secret != SecretName)
                    violations.Add($"{name}: env {Manifest.Text(env, "name")} reads Secret '{secret}', not {SecretName}");
                if (Manifest.Text(env, "name") is { } key && LooksSecret(key) && Manifest.Text(env, "value") is not null)
                    violations.Add($"{name}: env {key} has a literal value; read it from {SecretName}");
                if (Manifest.Text(env, "value") is { } value && SecretLiteral(Manifest.Text(env, "name") ?? "", value) is { } literal)
                    violations.Add($"{name}: env {Manifest.Text(env, "name")} has a literal {literal}; reference a variable read from {SecretName}");
            }
            if (Manifest.Text(c, "image") is "fpo" or null || Manifest.Text(c, "image")!.StartsWith("fpo:", StringComparison.Ordinal))
            {
                CheckSilo(o, pod, c, name, violations);
                var config = Manifest.Items(c, "args").OfType<YamlScalarNode>().Select(a => a.Value).FirstOrDefault(a => a?.StartsWith("/etc/fpo/", StringComparison.Ordinal) == true);
                OrleansPodPolicy.CheckSilo(o, pod, c, name, config is null ? null : Manifest.Text(configs, config["/etc/fpo/".Length..]), violations);
                silos.Add((o, c));
            }
        }
    }

    private static void CheckSilo(Manifest o, YamlMappingNode pod, YamlNode c, string name, List<string> violations)
    {
        var args = Manifest.Items(c, "args").OfType<YamlScalarNode>().Select(s => s.Value).ToList();
        var config = args.IndexOf("--config") is var i and >= 0 && i + 1 < args.Count ? args[i + 1] : null;
        if (args.FirstOrDefault() != "silo" || config is null || !Roles.Any(r => config == $"/etc/fpo/{r}.yaml"))
            violations.Add($"{name}: args must be 'silo --config /etc/fpo/<role>.yaml', are '{string.Join(' ', args)}'");
        if (!int.TryParse(Manifest.Text(pod, "terminationGracePeriodSeconds"), out var grace) || grace <= SiloStopSeconds)
            violations.Add($"{o}: terminationGracePeriodSeconds must exceed the silo's {SiloStopSeconds} s clean stop");
        if (!Manifest.Items(pod, "volumes").Any(v => Manifest.Text(v, "configMap", "name")?.StartsWith(ConfigMapPrefix, StringComparison.Ordinal) == true))
            violations.Add($"{o}: does not mount the {ConfigMapPrefix} config map");
    }

    private static void CheckConfigMap(IReadOnlyList<Manifest> objects, IReadOnlyDictionary<string, string> siloConfigFiles, List<string> violations)
    {
        var maps = objects.Where(o => o.Kind == "ConfigMap" && o.Name.StartsWith(ConfigMapPrefix, StringComparison.Ordinal)).ToList();
        if (maps.Count != 1)
        {
            violations.Add($"expected one {ConfigMapPrefix} config map, found {maps.Count}");
            return;
        }
        var data = Manifest.Map(maps[0].Root, "data");
        foreach (var role in Roles)
        {
            var key = role + ".yaml";
            var text = Manifest.Text(data, key);
            if (text is null) violations.Add($"{maps[0]}: no {key}");
            else if (!siloConfigFiles.TryGetValue(key, out var file)) violations.Add($"silo-config/{key} does not exist");
            else if (text != file) violations.Add($"{maps[0]}: {key} differs from silo-config/{key} (copy it to infra/k8s/base/config/)");
        }
    }

    private static void CheckTrainer(IReadOnlyList<Manifest> objects, List<string> violations)
    {
        var trainers = objects.Where(o => o.PodSpec is not null && Manifest.Text(o.Root, "spec", "template", "metadata", "labels", "app.kubernetes.io/component") == "trainer").ToList();
        if (trainers.Count != 1 || trainers[0].Kind != "StatefulSet")
            violations.Add($"expected exactly one trainer StatefulSet, found {string.Join(", ", trainers)}");
        foreach (var t in trainers)
            if (Manifest.Text(t.Root, "spec", "replicas") != "1") violations.Add($"{t}: replicas must be exactly 1");
        foreach (var hpa in objects.Where(o => o.Kind == "HorizontalPodAutoscaler"))
            if (trainers.Any(t => Manifest.Text(hpa.Root, "spec", "scaleTargetRef", "name") == t.Name)) violations.Add($"{hpa}: autoscales the trainer");
    }

    // What a value gives away in clear: a password or account key in a connection string, or an Azurite account's key
    // ("name:key;..."); null when each is a $(VARIABLE) that Kubernetes expands from a secretKeyRef.
    private static string? SecretLiteral(string variable, string value)
    {
        foreach (var marker in new[] { "Password=", "AccountKey=", "SharedAccessSignature=" })
        {
            var at = value.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && !value.AsSpan(at + marker.Length).StartsWith("$(", StringComparison.Ordinal)) return marker.TrimEnd('=');
        }
        if (variable == "AZURITE_ACCOUNTS" && value.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Any(account => account.Split(':').Skip(1).Any(key => !key.StartsWith("$(", StringComparison.Ordinal))))
            return "Azurite account key";
        return null;
    }

    private static bool LooksSecret(string name) =>
        name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || name.Contains("TOKEN", StringComparison.OrdinalIgnoreCase)
        || name.Contains("API_KEY", StringComparison.OrdinalIgnoreCase) || name.Contains("SECRET", StringComparison.OrdinalIgnoreCase);
}
