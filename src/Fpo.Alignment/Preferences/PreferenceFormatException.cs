namespace Fpo.Alignment.Preferences;

/// <summary>A malformed line of a preference JSONL file: which file, which line, which field, and what is wrong.</summary>
public sealed class PreferenceFormatException : FormatException
{
    public PreferenceFormatException(string file, int line, string field, string problem)
        : base($"{file}:{line}: {(field.Length == 0 ? "" : $"field '{field}': ")}{problem}")
    {
        File = file;
        Line = line;
        Field = field;
    }

    public PreferenceFormatException() { }
    public PreferenceFormatException(string message) : base(message) { }
    public PreferenceFormatException(string message, Exception inner) : base(message, inner) { }

    public string File { get; } = "";
    public int Line { get; }
    /// <summary>The JSON path of the bad field ("" when the line itself is not a JSON object).</summary>
    public string Field { get; } = "";
}
