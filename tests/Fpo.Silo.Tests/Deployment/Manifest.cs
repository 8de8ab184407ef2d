using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>One rendered Kubernetes object, with just enough navigation for the policy checks.</summary>
internal sealed class Manifest(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;
    public string Kind => Text(Root, "kind") ?? "";
    public string Name => Text(Root, "metadata", "name") ?? "";
    public override string ToString() => $"{Kind}/{Name}";

    /// <summary>The pod template's spec of a Deployment or StatefulSet; null for other kinds.</summary>
    public YamlMappingNode? PodSpec => Kind is "Deployment" or "StatefulSet" ? Map(Root, "spec", "template", "spec") : null;

    public static YamlNode? Get(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        }
        return node;
    }

    public static YamlMappingNode? Map(YamlNode? node, params string[] path) => Get(node, path) as YamlMappingNode;

    public static string? Text(YamlNode? node, params string[] path) => (Get(node, path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(YamlNode? node, params string[] path) =>
        Get(node, path) is YamlSequenceNode seq ? seq.Children : [];

    /// <summary>Parses a multi-document YAML stream (kubectl kustomize's output) into its objects.</summary>
    public static IReadOnlyList<Manifest> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().Select(m => new Manifest(m))];
    }
}
