namespace Fpo.Grains.Postgres;

/// <summary>Run ids and stream names as the database keys them: short, printable, safe in a log line.</summary>
internal static class RunIds
{
    public static void Check(string runId) => CheckName(runId, "run id");

    public static void CheckStream(string name) => CheckName(name, "stream name");

    private static void CheckName(string value, string what)
    {
        var ok = !string.IsNullOrEmpty(value) && value.Length <= 64 && value[0] != '.'
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!ok)
            throw new ArgumentException($"{what} '{value}' is not allowed: use 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.'");
    }
}
