using System.Globalization;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// A silo's log on stdout: one line per event or status, "HH:mm:ss NAME message", whole lines from any thread. Lines
/// from the Orleans host's loggers stop once the host has stopped (<see cref="HostStopped"/>): what a stopped silo's
/// runtime still says (a one-way message refused because the silo is shutting down) would otherwise follow the silo's
/// last line, "stopped cleanly".
/// </summary>
public sealed class SiloLog(TextWriter output, string name)
{
    private readonly Lock _lock = new();
    private bool _hostStopped;

    public void Write(string message) => Write(message, fromHost: false);

    /// <summary>A line from the host's loggers; dropped once the host has stopped.</summary>
    public void WriteFromHost(string message) => Write(message, fromHost: true);

    /// <summary>The Orleans host has stopped: its loggers' later lines are dropped.</summary>
    public void HostStopped()
    {
        lock (_lock) _hostStopped = true;
    }

    private void Write(string message, bool fromHost)
    {
        var line = $"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {name} {message}";
        lock (_lock)
        {
            if (fromHost && _hostStopped) return;
            output.WriteLine(line);
            output.Flush();
        }
    }
}
