namespace Fpo.Alignment.Judges.Config;

/// <summary>A bad judge or constitution YAML file: which file, which line, which key, and what is wrong.</summary>
public sealed class JudgeConfigException : FormatException
{
    public JudgeConfigException(string file, int line, string key, string problem)
        : base($"{file}:{line}: {(key.Length == 0 ? "" : $"key '{key}': ")}{problem}")
    {
        File = file;
        Line = line;
        Key = key;
    }

    public JudgeConfigException() { }
    public JudgeConfigException(string message) : base(message) { }
    public JudgeConfigException(string message, Exception inner) : base(message, inner) { }

    public string File { get; } = "";
    public int Line { get; }
    /// <summary>The dotted path of the bad key ("" for the document itself).</summary>
    public string Key { get; } = "";
}
