namespace Fpo.Grains.Stores;

/// <summary>Run ids as the stores key them: short and printable, safe as a file name, a table key and in a log line.</summary>
internal static class RunNames
{
    public static void CheckRun(string runId) => Check(runId, "run id");

    private static void Check(string value, string what)
    {
        var ok = !string.IsNullOrEmpty(value) && value.Length <= 64 && value[0] != '.'
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!ok)
            throw new ArgumentException($"{what} '{value}' is not allowed: use 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.' (it names a file or a database key)");
    }
}
