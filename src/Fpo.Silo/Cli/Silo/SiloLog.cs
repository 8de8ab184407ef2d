using System.Globalization;

namespace Fpo.Silo.Cli.Silo;

/// <summary>A silo's log on stdout: one line per event or status, "HH:mm:ss NAME message", whole lines from any thread.</summary>
public sealed class SiloLog(TextWriter output, string name)
{
    private readonly Lock _lock = new();

    public void Write(string message)
    {
        var line = $"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {name} {message}";
        lock (_lock)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
