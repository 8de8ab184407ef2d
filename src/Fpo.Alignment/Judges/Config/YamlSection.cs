using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fpo.Alignment.Judges.Config;

/// <summary>
/// A YAML mapping read strictly: typed getters whose errors name the file, line and dotted key, and a check that no
/// unknown key was given (a misspelt option would otherwise be silently ignored).
/// </summary>
public sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private YamlSection(YamlMappingNode node, string file, string path, string directory, int? line = null) =>
        (_node, File, Path, Directory, Line) = (node, file, path, directory, line ?? (int)node.Start.Line);

    public string File { get; }
    /// <summary>Dotted path of this mapping in the document ("" at the top).</summary>
    public string Path { get; }
    /// <summary>Folder of the file, against which relative paths in it are resolved.</summary>
    public string Directory { get; }
    public int Line { get; }

    /// <summary>The top-level mapping of the YAML file at <paramref name="path"/>.</summary>
    public static YamlSection Load(string path)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JudgeConfigException(path, 0, "", $"cannot read the file ({e.Message})");
        }
        return Parse(text, path, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".");
    }

    public static YamlSection Parse(string text, string file, string directory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new JudgeConfigException(file, (int)e.Start.Line, "", $"not valid YAML ({e.Message})");
        }
        if (stream.Documents.Count == 0) throw new JudgeConfigException(file, 1, "", "the file is empty");
        return stream.Documents[0].RootNode is YamlMappingNode root
            ? new YamlSection(root, file, "", directory)
            : throw new JudgeConfigException(file, (int)stream.Documents[0].RootNode.Start.Line, "", "expected a mapping of keys to values at the top");
    }

    public bool Has(string key) => Find(key) is not null;

    public string String(string key) => OptionalString(key) ?? throw Missing(key);

    public string? OptionalString(string key) => Find(key) is { } node ? Scalar(node, key) : null;

    public double Double(string key, double fallback) => Find(key) is { } node ? ParseDouble(node, key) : fallback;

    public int Int(string key, int fallback)
    {
        if (Find(key) is not { } node) return fallback;
        return int.TryParse(Scalar(node, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Fail(node, key, $"expected an integer, found '{Scalar(node, key)}'");
    }

    public bool Bool(string key, bool fallback)
    {
        if (Find(key) is not { } node) return fallback;
        return Scalar(node, key) switch
        {
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            var s => throw Fail(node, key, $"expected true or false, found '{s}'"),
        };
    }

    public YamlSection Section(string key) => OptionalSection(key) ?? throw Missing(key);

    public YamlSection? OptionalSection(string key)
    {
        if (Find(key) is not { } node) return null;
        if (node is YamlScalarNode { Value: null or "" or "~" or "null" }) return Empty(node, key);
        return node is YamlMappingNode map ? new YamlSection(map, File, Dotted(key), Directory) : throw Fail(node, key, $"expected a mapping, found {Kind(node)}");
    }

    /// <summary>The mappings of a sequence, each with its path key[i].</summary>
    public List<YamlSection> Sections(string key)
    {
        var node = Find(key) ?? throw Missing(key);
        if (node is not YamlSequenceNode list) throw Fail(node, key, $"expected a list, found {Kind(node)}");
        return list.Children.Select((child, i) => child is YamlMappingNode map
            ? new YamlSection(map, File, $"{Dotted(key)}[{i}]", Directory)
            : throw Fail(child, $"{key}[{i}]", $"expected a mapping, found {Kind(child)}")).ToList();
    }

    public List<string> Strings(string key)
    {
        if (Find(key) is not { } node) return [];
        if (node is YamlScalarNode) return [Scalar(node, key)];
        if (node is not YamlSequenceNode list) throw Fail(node, key, $"expected a list of strings, found {Kind(node)}");
        return list.Children.Select((child, i) => Scalar(child, $"{key}[{i}]")).ToList();
    }

    /// <summary>An error at <paramref name="key"/> of this mapping (its line when present, else the mapping's).</summary>
    public JudgeConfigException Error(string key, string problem) =>
        new(File, Find(key) is { } node ? (int)node.Start.Line : Line, key.Length == 0 ? Path : Dotted(key), problem);

    /// <summary>
    /// Runs <paramref name="validate"/>, whose <see cref="ArgumentException"/> names a key of this mapping as its
    /// parameter, and reports such an exception as this file's error at that key.
    /// </summary>
    public T Validated<T>(Func<T> validate)
    {
        try
        {
            return validate();
        }
        catch (ArgumentException e)
        {
            throw Error(e.ParamName ?? "", e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }
    }

    /// <summary>A duration given in seconds, from 0 to a day.</summary>
    public TimeSpan Seconds(string key, double fallback)
    {
        var s = Double(key, fallback);
        return s is >= 0 and <= 86_400 ? TimeSpan.FromSeconds(s) : throw Error(key, $"must be in [0, 86400] seconds (got {s})");
    }

    /// <summary>Throws for the first key that no getter asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var (k, _) in _node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            if (!_read.Contains(name)) throw Fail(k, name, "unknown key");
        }
    }

    /// <summary>Marks keys as known without reading them (they are read by someone else).</summary>
    public void Allow(params string[] keys) => _read.UnionWith(keys);

    public IEnumerable<string> Keys => _node.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? "");

    private YamlNode? Find(string key)
    {
        _read.Add(key);
        return _node.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;
    }

    private string Scalar(YamlNode node, string key) =>
        node is YamlScalarNode { Value: { } value } ? value : throw Fail(node, key, $"expected a single value, found {Kind(node)}");

    private double ParseDouble(YamlNode node, string key)
    {
        var text = Scalar(node, key);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value : throw Fail(node, key, $"expected a number, found '{text}'");
    }

    private YamlSection Empty(YamlNode at, string key) => new(new YamlMappingNode(), File, Dotted(key), Directory, (int)at.Start.Line);

    private static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a single value",
    };

    private string Dotted(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    private JudgeConfigException Missing(string key) => new(File, Line, Dotted(key), "missing");

    private JudgeConfigException Fail(YamlNode node, string key, string problem) => new(File, (int)node.Start.Line, Dotted(key), problem);
}
