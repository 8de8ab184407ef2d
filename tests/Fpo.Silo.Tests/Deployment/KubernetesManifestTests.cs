using Fpo.Testing;
using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// infra/k8s renders with kubectl's kustomize for every overlay, every rendered object validates against the Kubernetes
/// schemas offline (kubernetes-models under node), and the policy of <see cref="ManifestPolicy"/> holds. No cluster runs here.
/// </summary>
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Targets => ["infra/k8s/base", "infra/k8s/overlays/local", "infra/k8s/overlays/gpu"];

    private static readonly string SiloConfig = Path.Combine(RepoPaths.Root, "silo-config");

    [Theory]
    [MemberData(nameof(Targets))]
    public void Renders_validates_against_the_schemas_and_meets_the_policy(string target)
    {
        var yaml = Render(target);
        var objects = Manifest.ParseAll(yaml);
        Assert.True(objects.Count >= 14, $"{target} rendered only {objects.Count} objects");

        var validation = ToolProcess.Run("node", ["validate.mjs"], Path.Combine(RepoPaths.Root, "tests", "k8s"), yaml);
        var lines = validation.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.Current.TestOutputHelper?.WriteLine($"{target}: {objects.Count} objects, {lines.Length} validated against the schemas");
        Assert.True(validation.ExitCode == 0, $"{target} fails schema validation:\n{validation.Stdout}{validation.Stderr}");
        Assert.Equal(objects.Count, lines.Length);

        var violations = ManifestPolicy.Check(objects, SiloConfigFiles());
        Assert.True(violations.Count == 0, $"{target} breaks the deployment policy:\n{string.Join('\n', violations)}");
    }

    [Fact]
    public void The_base_config_copies_are_the_silo_config_files()
    {
        foreach (var role in ManifestPolicy.Roles)
        {
            var copy = Path.Combine(RepoPaths.Root, "infra", "k8s", "base", "config", role + ".yaml");
            Assert.True(File.Exists(copy), $"{copy} is missing: copy silo-config/{role}.yaml there");
            Assert.True(File.ReadAllText(copy) == File.ReadAllText(Path.Combine(SiloConfig, role + ".yaml")),
                $"infra/k8s/base/config/{role}.yaml differs from silo-config/{role}.yaml: copy it again");
        }
    }

    [Fact]
    public void The_gpu_overlay_asks_for_a_gpu_for_the_trainer_and_the_rollouts_only()
    {
        var objects = Manifest.ParseAll(Render("infra/k8s/overlays/gpu"));
        var withGpu = objects.Where(o => o.PodSpec is { } pod && Manifest.Items(pod, "containers")
            .Any(c => Manifest.Text(c, "resources", "limits", "nvidia.com/gpu") == "1")).Select(o => o.Name).Order().ToList();
        Assert.Equal(["fpo-rollout", "fpo-trainer"], withGpu);
        foreach (var o in objects.Where(o => o.PodSpec is not null && withGpu.Contains(o.Name)))
            Assert.NotEmpty(Manifest.Items(o.PodSpec, "tolerations"));
    }

    [Fact]
    public void The_local_overlay_is_small_and_namespaced()
    {
        var objects = Manifest.ParseAll(Render("infra/k8s/overlays/local"));
        Assert.All(objects, o => Assert.Equal("fpo", Manifest.Text(o.Root, "metadata", "namespace")));
        var silos = objects.Where(o => o.PodSpec is not null && o.Name != "fpo-postgres").ToList();
        Assert.Equal(5, silos.Count);
        Assert.All(silos, o => Assert.Equal("1", Manifest.Text(o.Root, "spec", "replicas")));
        Assert.All(silos, o => Assert.Contains(Manifest.Items(o.PodSpec, "containers").SelectMany(c => Manifest.Items(c, "env")),
            e => Manifest.Text(e, "name") == "FPO__task__size" && Manifest.Text(e, "value") == "tiny"));
    }

    // The checks above pass only if they can fail: each mutation of a valid rendering must be caught.
    [Fact]
    public void The_policy_and_the_schema_check_catch_broken_manifests()
    {
        var yaml = Render("infra/k8s/overlays/local");
        string[] mutations =
        [
            "no limits", "no liveness probe", "root", "two trainers", "literal secret", "stale config", "no downward api",
        ];
        foreach (var mutation in mutations)
        {
            var objects = Manifest.ParseAll(yaml);
            Break(objects, mutation);
            Assert.True(ManifestPolicy.Check(objects, SiloConfigFiles()).Count > 0, $"the policy did not notice: {mutation}");
        }
        var invalid = yaml.Replace("replicas: 1", "replicas: one", StringComparison.Ordinal);
        var validation = ToolProcess.Run("node", ["validate.mjs"], Path.Combine(RepoPaths.Root, "tests", "k8s"), invalid);
        Assert.Equal(1, validation.ExitCode);
        Assert.Contains("replicas must be integer", validation.Stdout, StringComparison.Ordinal);
    }

    private static void Break(IReadOnlyList<Manifest> objects, string mutation)
    {
        var rollout = objects.Single(o => o.Name == "fpo-rollout" && o.Kind == "Deployment");
        var container = (YamlMappingNode)Manifest.Items(rollout.PodSpec, "containers").First();
        switch (mutation)
        {
            case "no limits": Manifest.Map(container, "resources")!.Children.Remove(new YamlScalarNode("limits")); break;
            case "no liveness probe": container.Children.Remove(new YamlScalarNode("livenessProbe")); break;
            case "root": Manifest.Map(rollout.PodSpec, "securityContext")!.Children[new YamlScalarNode("runAsNonRoot")] = new YamlScalarNode("false"); break;
            case "two trainers": Manifest.Map(objects.Single(o => o.Name == "fpo-trainer" && o.Kind == "StatefulSet").Root, "spec")!.Children[new YamlScalarNode("replicas")] = new YamlScalarNode("2"); break;
            case "literal secret":
                ((YamlSequenceNode)container.Children[new YamlScalarNode("env")]).Add(new YamlMappingNode(
                    new YamlScalarNode("name"), new YamlScalarNode("FPO__api__token"), new YamlScalarNode("value"), new YamlScalarNode("hunter2")));
                break;
            case "stale config":
                var map = objects.Single(o => o.Kind == "ConfigMap");
                Manifest.Map(map.Root, "data")!.Children[new YamlScalarNode("judge.yaml")] = new YamlScalarNode("roles: [judge]\n");
                break;
            case "no downward api":
                var env = (YamlSequenceNode)container.Children[new YamlScalarNode("env")];
                foreach (var e in env.Children.Where(e => Manifest.Text(e, "valueFrom", "fieldRef", "fieldPath") == "status.podIP").ToList()) env.Children.Remove(e);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(mutation), mutation, null);
        }
    }

    private static string Render(string target)
    {
        var result = ToolProcess.Run("kubectl", ["kustomize", target]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {target} failed ({result.ExitCode}):\n{result.Stderr}");
        return result.Stdout;
    }

    private static Dictionary<string, string> SiloConfigFiles() =>
        Directory.EnumerateFiles(SiloConfig, "*.yaml").ToDictionary(p => Path.GetFileName(p), File.ReadAllText);
}
