using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// One break each of a valid rendering, and the one violation <see cref="ManifestPolicy"/> must report for it: each
/// check of the policy is shown to fail when what it guards is gone.
/// </summary>
internal static class ManifestMutations
{
    public const string Local = "infra/k8s/overlays/local", Cloud = "infra/k8s/overlays/cloud";

    /// <summary>Mutation name → the overlay it breaks and a fragment of the single violation expected.</summary>
    public static readonly Dictionary<string, (string Target, string Violation)> Expected = new(StringComparer.Ordinal)
    {
        ["no cpu limit"] = (Local, "container silo: no cpu limits"),
        ["no liveness probe"] = (Local, "no livenessProbe"),
        ["root"] = (Local, "not runAsNonRoot"),
        ["two trainers"] = (Local, "replicas must be exactly 1"),
        ["literal token"] = (Local, "env FPO__api__token has a literal value"),
        ["stale config"] = (Local, "judge.yaml differs from silo-config/judge.yaml"),
        ["no POD_NAMESPACE"] = (Local, "env POD_NAMESPACE does not come from the downward API (metadata.namespace)"),
        ["POD_NAME from the wrong field"] = (Local, "env POD_NAME does not come from the downward API (metadata.name)"),
        ["address not the pod IP"] = (Local, "env FPO__silo__address is '0.0.0.0', expected '$(POD_IP)'"),
        ["no clusterId label"] = (Local, "pod label orleans/clusterId is missing but the silo's id is 'fpo'"),
        ["serviceId label of another service"] = (Local, "pod label orleans/serviceId is 'other' but the silo's id is 'fpo'"),
        ["cluster set apart from the label"] = (Local, "pod label orleans/clusterId is 'fpo' but the silo's id is 'fpo-2'"),
        ["no patch verb"] = (Local, "cannot patch pods"),
        ["no RoleBinding"] = (Local, "no RoleBinding binds it to a Role"),
        ["no ServiceAccount"] = (Local, "ServiceAccount fpo-silo (of fpo-api, fpo-judge, fpo-reference, fpo-rollout, fpo-trainer) is not in the rendering"),
        ["default service account"] = (Local, "Deployment/fpo-rollout: no serviceAccountName"),
        ["no gateway port"] = (Local, "no container port 30000 named gateway"),
        ["readiness on /healthz"] = (Local, "the readinessProbe does not ask /readyz"),
        ["one silo without the blob store"] = (Local, "the silos disagree on the snapshot store"),
        ["literal account key"] = (Local, "env FPO__snapshots__connection has a literal AccountKey"),
        ["literal Azurite key"] = (Local, "env AZURITE_ACCOUNTS has a literal Azurite account key"),
        ["Azurite behind another name"] = (Local, "the blob endpoint fpo-azurite:10000 is no Service in front of an Azurite pod"),
        ["Azurite with another key"] = (Local, "account 'fpo' with the key of Secret key 'blob-key' is not among Azurite's accounts"),
        ["literal connection string"] = (Cloud, "env FPO__snapshots__connection has a literal AccountKey"),
        ["no connection"] = (Cloud, "fpo-api: FPO__snapshots__store is blob but FPO__snapshots__connection is not set"),
        ["Azurite beside the storage account"] = (Cloud, "Deployment/fpo-azurite: Azurite runs but the silos' snapshots go to the storage account"),
    };

    public static void Break(List<Manifest> objects, string mutation, Func<string, IReadOnlyList<Manifest>> render)
    {
        var rollout = objects.Single(o => o.Name == "fpo-rollout" && o.Kind == "Deployment");
        var container = (YamlMappingNode)Manifest.Items(rollout.PodSpec, "containers").First();
        var env = (YamlSequenceNode)container.Children[new YamlScalarNode("env")];
        var labels = Manifest.Map(rollout.Root, "spec", "template", "metadata", "labels")!;
        YamlMappingNode Env(YamlSequenceNode list, string name) => (YamlMappingNode)list.Children.Single(e => Manifest.Text(e, "name") == name);
        YamlSequenceNode EnvOf(string owner) => (YamlSequenceNode)((YamlMappingNode)Manifest.Items(objects.Single(o => o.Name == owner && o.PodSpec is not null).PodSpec, "containers").First()).Children[new YamlScalarNode("env")];
        void Set(YamlMappingNode map, string key, string value) => map.Children[new YamlScalarNode(key)] = new YamlScalarNode(value);
        switch (mutation)
        {
            case "no cpu limit": Manifest.Map(container, "resources", "limits")!.Children.Remove(new YamlScalarNode("cpu")); break;
            case "no liveness probe": container.Children.Remove(new YamlScalarNode("livenessProbe")); break;
            case "root": Set(Manifest.Map(rollout.PodSpec, "securityContext")!, "runAsNonRoot", "false"); break;
            case "two trainers": Set(Manifest.Map(objects.Single(o => o.Name == "fpo-trainer" && o.Kind == "StatefulSet").Root, "spec")!, "replicas", "2"); break;
            case "literal token": env.Add(new YamlMappingNode(new YamlScalarNode("name"), new YamlScalarNode("FPO__api__token"), new YamlScalarNode("value"), new YamlScalarNode("hunter2"))); break;
            case "stale config": Set(Manifest.Map(objects.Single(o => o.Kind == "ConfigMap").Root, "data")!, "judge.yaml", "roles: [judge]\n"); break;
            case "no POD_NAMESPACE": env.Children.Remove(Env(env, "POD_NAMESPACE")); break;
            case "POD_NAME from the wrong field": Set(Manifest.Map(Env(env, "POD_NAME"), "valueFrom", "fieldRef")!, "fieldPath", "spec.nodeName"); break;
            case "address not the pod IP": Set(Env(env, "FPO__silo__address"), "value", "0.0.0.0"); break;
            case "no clusterId label": labels.Children.Remove(new YamlScalarNode("orleans/clusterId")); break;
            case "serviceId label of another service": Set(labels, "orleans/serviceId", "other"); break;
            case "cluster set apart from the label":
                env.Add(new YamlMappingNode(new YamlScalarNode("name"), new YamlScalarNode("FPO__silo__cluster"), new YamlScalarNode("value"), new YamlScalarNode("fpo-2")));
                break;
            case "no patch verb":
                var verbs = (YamlSequenceNode)Manifest.Get(Manifest.Items(objects.Single(o => o.Kind == "Role").Root, "rules").First(), "verbs")!;
                verbs.Children.Remove(verbs.Children.Single(v => ((YamlScalarNode)v).Value == "patch"));
                break;
            case "no RoleBinding": objects.RemoveAll(o => o.Kind == "RoleBinding"); break;
            case "no ServiceAccount": objects.RemoveAll(o => o.Kind == "ServiceAccount"); break;
            case "default service account": rollout.PodSpec!.Children.Remove(new YamlScalarNode("serviceAccountName")); break;
            case "no gateway port":
                var ports = (YamlSequenceNode)container.Children[new YamlScalarNode("ports")];
                ports.Children.Remove(ports.Children.Single(p => Manifest.Text(p, "name") == "gateway"));
                break;
            case "readiness on /healthz":
                container.Children[new YamlScalarNode("readinessProbe")] = new YamlMappingNode(new YamlScalarNode("httpGet"),
                    new YamlMappingNode(new YamlScalarNode("path"), new YamlScalarNode("/healthz"), new YamlScalarNode("port"), new YamlScalarNode("http")));
                break;
            case "one silo without the blob store": EnvOf("fpo-judge").Children.Remove(Env(EnvOf("fpo-judge"), BlobStorePolicy.Store)); break;
            case "literal account key":
                var connection = Env(env, BlobStorePolicy.Connection);
                Set(connection, "value", Manifest.Text(connection, "value")!.Replace("$(FPO_BLOB_KEY)", "Eby8vdM02xNOcqF==", StringComparison.Ordinal));
                break;
            case "literal Azurite key": Set(Env(EnvOf("fpo-azurite"), "AZURITE_ACCOUNTS"), "value", "fpo:Eby8vdM02xNOcqF=="); break;
            case "Azurite behind another name": Set(Manifest.Map(objects.Single(o => o.Kind == "Service" && o.Name == "fpo-azurite").Root, "metadata")!, "name", "fpo-blob"); break;
            case "Azurite with another key": Set(Manifest.Map(Env(EnvOf("fpo-azurite"), "FPO_BLOB_KEY"), "valueFrom", "secretKeyRef")!, "key", "other-key"); break;
            case "literal connection string":
                env.Children.Remove(Env(env, BlobStorePolicy.Connection));
                env.Add(new YamlMappingNode(new YamlScalarNode("name"), new YamlScalarNode(BlobStorePolicy.Connection), new YamlScalarNode("value"),
                    new YamlScalarNode("DefaultEndpointsProtocol=https;AccountName=fpo;AccountKey=Eby8vdM02xNOcqF==;EndpointSuffix=core.windows.net")));
                break;
            case "no connection": EnvOf("fpo-api").Children.Remove(Env(EnvOf("fpo-api"), BlobStorePolicy.Connection)); break;
            case "Azurite beside the storage account": objects.Add(render(Local).Single(o => o.Kind == "Deployment" && o.Name == "fpo-azurite")); break;
            default: throw new ArgumentOutOfRangeException(nameof(mutation), mutation, null);
        }
    }
}
