using Fpo.Grains.Hosting;
using Fpo.Silo.Cli.Silo;
using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// What Orleans' Kubernetes hosting needs of each silo pod: POD_NAME, POD_NAMESPACE and POD_IP from the downward API
/// (and the advertised address from POD_IP), the pod labels orleans/serviceId and orleans/clusterId equal to the ids the
/// silo uses (Fpo's service id, the cluster of its config file or FPO__silo__cluster), a service account bound to a
/// Role that may get, list, watch and patch pods, the silo and gateway ports, and readiness asked of /readyz.
/// </summary>
internal static class OrleansPodPolicy
{
    public const int SiloPort = 11111, GatewayPort = 30000;
    public static readonly string[] PodVerbs = ["get", "list", "watch", "patch"];

    private static readonly (string Variable, string FieldPath)[] DownwardApi =
        [("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP")];

    private static readonly string DefaultCluster = SiloConfigKeys.Own.Single(k => k is { Section: "silo", Key: "cluster" }).Default;

    public static void CheckSilo(Manifest o, YamlMappingNode pod, YamlNode c, string name, string? configFile, List<string> violations)
    {
        var env = Manifest.Items(c, "env").ToList();
        foreach (var (variable, field) in DownwardApi)
            if (!env.Any(e => Manifest.Text(e, "name") == variable && Manifest.Text(e, "valueFrom", "fieldRef", "fieldPath") == field))
                violations.Add($"{name}: env {variable} does not come from the downward API ({field})");
        Expect(name, env, "FPO__silo__address", "$(POD_IP)", violations);
        Expect(name, env, "FPO__silo__port", $"{SiloPort}", violations);
        Expect(name, env, "FPO__silo__gateway_port", $"{GatewayPort}", violations);
        foreach (var (port, portName) in new[] { (SiloPort, "silo"), (GatewayPort, "gateway") })
            if (!Manifest.Items(c, "ports").Any(p => Manifest.Text(p, "containerPort") == $"{port}" && Manifest.Text(p, "name") == portName))
                violations.Add($"{name}: no container port {port} named {portName}");

        var readiness = Manifest.Text(c, "readinessProbe", "httpGet", "path")
            ?? string.Join(' ', Manifest.Items(c, "readinessProbe", "exec", "command").OfType<YamlScalarNode>().Select(s => s.Value));
        if (!readiness.Contains("/readyz", StringComparison.Ordinal)) violations.Add($"{name}: the readinessProbe does not ask /readyz");

        var labels = Manifest.Map(o.Root, "spec", "template", "metadata", "labels");
        var cluster = env.Where(e => Manifest.Text(e, "name") == "FPO__silo__cluster").Select(e => Manifest.Text(e, "value")).FirstOrDefault()
            ?? ClusterOf(configFile) ?? DefaultCluster;
        foreach (var (label, id) in new[] { ("orleans/serviceId", PostgresProviders.ServiceId), ("orleans/clusterId", cluster) })
            if (Manifest.Text(labels, label) is var value && value != id)
                violations.Add($"{o}: pod label {label} is {(value is null ? "missing" : $"'{value}'")} but the silo's id is '{id}'");
    }

    /// <summary>Each silo's service account exists and is bound to Roles that allow every verb the hosting uses on pods, once per account.</summary>
    public static void CheckRbac(IReadOnlyList<Manifest> objects, IEnumerable<Manifest> silos, List<string> violations)
    {
        var accounts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var silo in silos)
        {
            var account = Manifest.Text(silo.PodSpec, "serviceAccountName");
            if (account is null or "default") violations.Add($"{silo}: no serviceAccountName; the default account has no Role for Orleans' Kubernetes hosting");
            else if (Manifest.Text(silo.PodSpec, "automountServiceAccountToken") == "false") violations.Add($"{silo}: automountServiceAccountToken is false; the hosting needs the token");
            else (accounts.TryGetValue(account, out var pods) ? pods : accounts[account] = []).Add(silo.Name);
        }
        foreach (var (account, pods) in accounts)
        {
            var who = $"ServiceAccount {account} (of {string.Join(", ", pods)})";
            if (!objects.Any(o => o.Kind == "ServiceAccount" && o.Name == account)) violations.Add($"{who} is not in the rendering");
            var roles = objects.Where(o => o.Kind == "RoleBinding" && Manifest.Text(o.Root, "roleRef", "kind") == "Role"
                    && Manifest.Items(o.Root, "subjects").Any(s => Manifest.Text(s, "kind") == "ServiceAccount" && Manifest.Text(s, "name") == account))
                .Select(b => objects.FirstOrDefault(r => r.Kind == "Role" && r.Name == Manifest.Text(b.Root, "roleRef", "name"))).ToList();
            if (roles.Count == 0)
            {
                violations.Add($"{who}: no RoleBinding binds it to a Role");
                continue;
            }
            var verbs = roles.OfType<Manifest>().SelectMany(r => Manifest.Items(r.Root, "rules"))
                .Where(rule => Scalars(rule, "apiGroups").Contains("") && Scalars(rule, "resources").Contains("pods"))
                .SelectMany(rule => Scalars(rule, "verbs")).ToHashSet(StringComparer.Ordinal);
            var missing = PodVerbs.Where(v => !verbs.Contains(v)).ToList();
            if (missing.Count > 0) violations.Add($"{who} cannot {string.Join(", ", missing)} pods (Orleans' Kubernetes hosting needs {string.Join(", ", PodVerbs)})");
        }
    }

    private static void Expect(string name, List<YamlNode> env, string variable, string expected, List<string> violations)
    {
        var value = env.Where(e => Manifest.Text(e, "name") == variable).Select(e => Manifest.Text(e, "value")).FirstOrDefault();
        if (value != expected) violations.Add($"{name}: env {variable} is {(value is null ? "missing" : $"'{value}'")}, expected '{expected}'");
    }

    private static List<string> Scalars(YamlNode node, string key) => [.. Manifest.Items(node, key).OfType<YamlScalarNode>().Select(s => s.Value ?? "")];

    // silo.cluster of the role's config file as the config map carries it; null when the file does not set it.
    private static string? ClusterOf(string? configFile)
    {
        if (configFile is null) return null;
        var stream = new YamlStream();
        stream.Load(new StringReader(configFile));
        return stream.Documents.Count == 0 ? null : Manifest.Text(stream.Documents[0].RootNode, "silo", "cluster") is { } c && c != "null" ? c : null;
    }
}
