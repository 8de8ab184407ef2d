using System.Collections;
using System.Globalization;
using Fpo.Alignment.Judges.Config;

namespace Fpo.Silo.Cli.Loop;

/// <summary>
/// The settings of `fpo loop` (and, with its own keys, `fpo silo`), layered: each key's default
/// (<see cref="LoopConfigKeys"/>), then the YAML file, then the environment variables FPO__section__key, then
/// command-line options. Every value remembers where it came from, so an error names the key and the source
/// ("silo-config/local.yaml: trainer.batch_size: expected an integer, found 'x'"). Unknown keys in the file or in FPO__
/// variables are errors, except variables of another command's sections (a pod's FPO__backbone__connection does not
/// stop `fpo loop`).
/// </summary>
public sealed class LoopConfig
{
    private readonly Dictionary<string, (string Value, string Source)> _values = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<LoopConfigKey> _keys;

    private LoopConfig(IReadOnlyList<LoopConfigKey> keys)
    {
        _keys = keys;
        foreach (var k in keys) _values[k.Path] = (k.Default, "default");
    }

    /// <summary>The settings of `fpo loop`.</summary>
    public static LoopConfig Load(string? path, IDictionary environment, IEnumerable<(string Path, string? Value, string Source)> options) =>
        Load(path, environment, options, LoopConfigKeys.All, "fpo loop", LoopConfigKeys.OtherCommandSections);

    /// <summary>The settings of <paramref name="command"/>, whose keys are <paramref name="keys"/>; FPO__ variables of <paramref name="foreignSections"/> are skipped.</summary>
    public static LoopConfig Load(string? path, IDictionary environment, IEnumerable<(string Path, string? Value, string Source)> options,
        IReadOnlyList<LoopConfigKey> keys, string command, IReadOnlyCollection<string> foreignSections)
    {
        var config = new LoopConfig(keys);
        if (path is not null) config.ReadFile(path);
        foreach (DictionaryEntry e in environment)
        {
            if (e.Key is not string name || !name.StartsWith("FPO__", StringComparison.Ordinal)) continue;
            var parts = name["FPO__".Length..].Split("__");
            if (parts.Length == 2 && foreignSections.Contains(parts[0], StringComparer.OrdinalIgnoreCase)) continue;
            var key = parts.Length == 2 ? Find(keys, parts[0], parts[1]) : null;
            if (key is null) throw new CliException($"environment variable {name}: not a setting of {command} (expected FPO__section__key, e.g. FPO__trainer__method)");
            config._values[key.Path] = ((string?)e.Value ?? "", $"environment variable {name}");
        }
        foreach (var (p, value, source) in options)
            if (value is not null) config._values[p] = (value, source);
        return config;
    }

    /// <summary>The key <paramref name="section"/>.<paramref name="key"/> among <paramref name="keys"/> (case-insensitive), or null.</summary>
    public static LoopConfigKey? Find(IReadOnlyList<LoopConfigKey> keys, string section, string key) =>
        keys.FirstOrDefault(k => string.Equals(k.Section, section, StringComparison.OrdinalIgnoreCase) && string.Equals(k.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>One --set SECTION.KEY=VALUE option as an override of a key among <paramref name="keys"/>.</summary>
    public static (string Path, string? Value, string Source) ParseSet(string option, IReadOnlyList<LoopConfigKey> keys)
    {
        var eq = option.IndexOf('=', StringComparison.Ordinal);
        var dot = eq < 0 ? -1 : option.IndexOf('.', StringComparison.Ordinal);
        var key = dot < 0 || dot > eq ? null : Find(keys, option[..dot], option[(dot + 1)..eq]);
        if (key is null) throw new CliException($"--set {option}: expected SECTION.KEY=VALUE with a key of the config (e.g. trainer.learning_rate=3e-4)");
        return (key.Path, option[(eq + 1)..], $"--set {key.Path}");
    }

    private void ReadFile(string path)
    {
        if (!File.Exists(path)) throw new CliException($"--config {path}: no such file");
        try
        {
            var yaml = YamlSection.Load(path);
            foreach (var section in yaml.Keys.ToList())
            {
                var s = yaml.OptionalSection(section) ?? throw yaml.Error(section, "expected a mapping of settings");
                foreach (var key in s.Keys.ToList())
                {
                    var known = Find(_keys, section, key) ?? throw s.Error(key, $"unknown key ({KnownKeys(section)})");
                    var value = s.OptionalString(key);
                    _values[known.Path] = (value is null or "~" or "null" ? "" : value, $"{path}:{known.Path}");
                }
            }
        }
        catch (JudgeConfigException e)
        {
            throw new CliException(e.Message);
        }
    }

    private string KnownKeys(string section)
    {
        var keys = _keys.Where(k => k.Section == section).Select(k => k.Key).ToList();
        return keys.Count > 0
            ? $"the {section} settings are {string.Join(", ", keys)}"
            : $"unknown section; the sections are {string.Join(", ", _keys.Select(k => k.Section).Distinct())}";
    }

    public string Source(string path) => _values[path].Source;

    public string? String(string path) => _values[path].Value is { Length: > 0 } v ? v : null;

    /// <summary>A path setting, absolute; relative paths are taken from the working directory (where ./fpo is run).</summary>
    public string? PathValue(string path) => String(path) is { } value ? System.IO.Path.GetFullPath(value) : null;

    public int Int(string path) => OptionalInt(path) ?? throw Bad(path, "is required");

    public int? OptionalInt(string path) => String(path) is { } v
        ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) ? x : throw Bad(path, $"expected an integer, found '{v}'")
        : null;

    public double Double(string path) => OptionalDouble(path) ?? throw Bad(path, "is required");

    public double? OptionalDouble(string path) => String(path) is { } v
        ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : throw Bad(path, $"expected a number, found '{v}'")
        : null;

    public bool Bool(string path) => String(path) switch
    {
        "true" or "True" or "yes" => true,
        "false" or "False" or "no" => false,
        var v => throw Bad(path, $"expected true or false, found '{v}'"),
    };

    /// <summary>An error about one setting, naming it and where its value came from.</summary>
    public CliException Bad(string path, string problem) => new($"{Source(path)}: {(Source(path).EndsWith(path, StringComparison.Ordinal) ? "" : path + ": ")}{problem}");

    /// <summary>The effective settings as YAML, every key with its value and source (the run folder's config copy).</summary>
    public string ToYaml()
    {
        var lines = new List<string> { "# The effective settings of this run: value, then where it came from." };
        foreach (var group in _keys.GroupBy(k => k.Section))
        {
            lines.Add($"{group.Key}:");
            foreach (var k in group)
            {
                var (value, source) = _values[k.Path];
                lines.Add($"  {k.Key}: {(value.Length == 0 ? "null" : Quote(value))}  # {source}");
            }
        }
        return string.Join('\n', lines) + "\n";
    }

    private static string Quote(string value) => value.Any(c => c is ':' or '#' or '\'' or '"' or '{' or '[') ? $"'{value.Replace("'", "''", StringComparison.Ordinal)}'" : value;
}
