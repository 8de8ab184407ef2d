using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Fpo.Silo.Cli;
using Fpo.Silo.Cli.Silo;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// One `fpo silo` as a real child process — `dotnet fpo.dll silo --config FILE --set …` of the fpo that runs this code
/// (the benchmark's, or the copy in a test's output folder) — with the connection string in its environment as a pod
/// would have it, its output captured line by line, SIGKILL and SIGTERM, and its CPU time from /proc.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];
    private readonly Lock _lock = new();
    private readonly Action<string>? _echo;

    private SiloProcess(string name, Process process, Action<string>? echo)
    {
        Name = name;
        _process = process;
        _echo = echo;
    }

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>
    /// Starts a silo named <paramref name="name"/> (its silo.name) with <paramref name="config"/> and the --set
    /// overrides <paramref name="sets"/>; <paramref name="connection"/> goes to FPO__backbone__connection, one compute
    /// thread per silo unless <paramref name="threads"/> says otherwise. Each output line is passed to <paramref name="echo"/>.
    /// </summary>
    public static SiloProcess Start(string name, string config, IEnumerable<string> sets, string connection, string workingDirectory,
        Action<string>? echo = null, int threads = 1, string? blobConnection = null)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in new[] { FpoDll(), "silo", "--config", config, "--set", $"silo.name={name}" }) start.ArgumentList.Add(a);
        foreach (var s in sets)
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add(s);
        }
        start.Environment[SiloConfigKeys.ConnectionVariable] = connection;
        // With a blob connection the run's snapshot bytes go to blob storage, given as a pod would be: in the environment.
        if (blobConnection is not null)
        {
            start.Environment["FPO__snapshots__store"] = "blob";
            start.Environment[SiloConfigKeys.BlobConnectionVariable] = blobConnection;
        }
        start.Environment["FPO_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start silo {name}");
        var silo = new SiloProcess(name, process, echo);
        process.OutputDataReceived += (_, e) => silo.Line(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Runs `dotnet fpo.dll ARGS` to the end: its exit code and output (e.g. `fpo lineage verify`).</summary>
    public static async Task<(int Exit, string Output)> RunFpoAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(FpoDll());
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start fpo");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false) + await error.ConfigureAwait(false));
    }

    /// <summary>
/// Completes when the silo logs a line containing <paramref name="text"/> (or has); throws naming it and the silo's
/// last lines after <paramref name="timeout"/>, or as soon as the silo exits without having logged it.
/// </summary>
    public async Task SeenAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waits.Add((text, seen));
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) seen.TrySetResult();
        }
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(seen.Task, Task.Delay(timeout), exited).ConfigureAwait(false) == seen.Task) return;
        if (seen.Task.IsCompleted) return;
        throw exited.IsCompleted
            ? new InvalidOperationException($"silo {Name} exited ({_process.ExitCode}) before it logged a line with \"{text}\"; its last lines:\n{string.Join("\n", _lines.TakeLast(20))}")
            : new TimeoutException($"silo {Name} logged no line with \"{text}\" within {timeout.TotalSeconds:F0} s; its last lines:\n{string.Join("\n", _lines.TakeLast(20))}");
    }

    /// <summary>SIGKILL: the silo dies mid-batch, as a pod does when its node goes.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: a clean stop (the batch in hand finishes, the trainer publishes).</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to end; throws naming the silo after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"silo {Name} did not exit within {timeout.TotalSeconds:F0} s; its last lines:\n{string.Join("\n", _lines.TakeLast(20))}");
        }
        return _process.ExitCode;
    }

    /// <summary>The CPU time (user + system) the process has used so far, from /proc/PID/stat (clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Id.ToString(CultureInfo.InvariantCulture)}/stat");
        // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        _echo?.Invoke($"[{Name}] {line}");
        lock (_lock)
            foreach (var (text, seen) in _waits)
                if (line.Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
    }

    // The fpo assembly this code is part of, run by the dotnet host (a test runs as its own executable, so ask the SDK's variable then PATH).
    private static string FpoDll() => typeof(SiloCommand).Assembly.Location;

    private static string DotnetHost() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";
}
