using Fpo.Testing;
using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// infra/k8s renders with kubectl's kustomize for every overlay, every rendered object validates against the Kubernetes
/// schemas offline (kubernetes-models under node), and the policy of <see cref="ManifestPolicy"/> holds. No cluster runs here.
/// </summary>
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Targets => ["infra/k8s/base", "infra/k8s/overlays/local", "infra/k8s/overlays/gpu", "infra/k8s/overlays/cloud"];

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
        var silos = objects.Where(o => o.PodSpec is not null && o.Name is not ("fpo-postgres" or "fpo-azurite")).ToList();
        Assert.Equal(5, silos.Count);
        Assert.All(silos, o => Assert.Equal("1", Manifest.Text(o.Root, "spec", "replicas")));
        Assert.All(silos, o => Assert.Contains(Manifest.Items(o.PodSpec, "containers").SelectMany(c => Manifest.Items(c, "env")),
            e => Manifest.Text(e, "name") == "FPO__task__size" && Manifest.Text(e, "value") == "tiny"));
    }

    public static TheoryData<string> Mutations => [.. ManifestMutations.Expected.Keys];

    // The checks above pass only if they can fail: each break of a valid rendering is reported, alone.
    [Theory]
    [MemberData(nameof(Mutations))]
    public void The_policy_reports_exactly_the_break(string mutation)
    {
        var (target, expected) = ManifestMutations.Expected[mutation];
        var objects = Manifest.ParseAll(Render(target)).ToList();
        Assert.Empty(ManifestPolicy.Check(objects, SiloConfigFiles()));

        ManifestMutations.Break(objects, mutation, t => Manifest.ParseAll(Render(t)));

        var violation = Assert.Single(ManifestPolicy.Check(objects, SiloConfigFiles()));
        Assert.Contains(expected, violation, StringComparison.Ordinal);
    }

    // kubernetes-models must reject a wrongly typed field, or the schema check above proves nothing.
    [Theory]
    [InlineData("replicas: 1", "replicas: one", "replicas must be integer")]
    [InlineData("containerPort: 11111", "containerPort: [11111]", "containerPort must be integer")]
    [InlineData("roleRef:\n  apiGroup: rbac.authorization.k8s.io", "roleRef:\n  apiGroup: 7", "roleRef/apiGroup must be string")]
    public void The_schema_check_rejects_a_wrongly_typed_field(string valid, string broken, string message)
    {
        var yaml = Render(ManifestMutations.Local);
        Assert.Contains(valid, yaml, StringComparison.Ordinal);
        var validation = ToolProcess.Run("node", ["validate.mjs"], Path.Combine(RepoPaths.Root, "tests", "k8s"), yaml.Replace(valid, broken, StringComparison.Ordinal));
        Assert.NotEqual(0, validation.ExitCode);
        Assert.Contains(message, validation.Stdout + validation.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_keeps_snapshots_in_azurite_cloud_in_a_storage_account_and_base_and_gpu_in_postgres()
    {
        static List<YamlNode> SiloEnv(IReadOnlyList<Manifest> objects) => [.. objects
            .Where(o => o.PodSpec is not null && o.Name is not ("fpo-postgres" or "fpo-azurite"))
            .SelectMany(o => Manifest.Items(o.PodSpec, "containers").SelectMany(c => Manifest.Items(c, "env")))];
        static string? Value(IEnumerable<YamlNode> env, string name, params string[] path) =>
            env.Where(e => Manifest.Text(e, "name") == name).Select(e => Manifest.Text(e, path)).Distinct().SingleOrDefault();

        var local = Manifest.ParseAll(Render(ManifestMutations.Local));
        Assert.Equal("blob", Value(SiloEnv(local), BlobStorePolicy.Store, "value"));
        Assert.Contains("BlobEndpoint=http://fpo-azurite:10000/fpo;", Value(SiloEnv(local), BlobStorePolicy.Connection, "value"), StringComparison.Ordinal);
        Assert.Contains(local, o => o.Kind == "Service" && o.Name == "fpo-azurite");

        var cloud = Manifest.ParseAll(Render(ManifestMutations.Cloud));
        Assert.Equal("blob", Value(SiloEnv(cloud), BlobStorePolicy.Store, "value"));
        Assert.Equal("blob-connection", Value(SiloEnv(cloud), BlobStorePolicy.Connection, "valueFrom", "secretKeyRef", "key"));
        Assert.DoesNotContain(cloud, o => o.Name.Contains("azurite", StringComparison.Ordinal));

        foreach (var target in new[] { "infra/k8s/base", "infra/k8s/overlays/gpu" })
            Assert.DoesNotContain(SiloEnv(Manifest.ParseAll(Render(target))), e => Manifest.Text(e, "name")!.StartsWith("FPO__snapshots__", StringComparison.Ordinal));
    }

    // kubectl runs once per target for the whole class; each test parses its own copy of the text.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Rendered = new(StringComparer.Ordinal);

    private static string Render(string target) => Rendered.GetOrAdd(target, RenderNow);

    private static string RenderNow(string target)
    {
        var result = ToolProcess.Run("kubectl", ["kustomize", target]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {target} failed ({result.ExitCode}):\n{result.Stderr}");
        return result.Stdout;
    }

    private static Dictionary<string, string> SiloConfigFiles() =>
        Directory.EnumerateFiles(SiloConfig, "*.yaml").ToDictionary(p => Path.GetFileName(p), File.ReadAllText);
}
