using System.Diagnostics;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>
/// tests/Fpo.Grains.FolderHost as a child process: a silo on a folder that produces and consumes numbered events. Its
/// standard output lines are the signals a test awaits; SIGKILL stops it without any chance to flush or acknowledge.
/// </summary>
internal sealed class FolderHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _output = [];
    private readonly List<(string Line, TaskCompletionSource Seen)> _waiters = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FolderHostProcess(Process process) => _process = process;

    private static string Program
    {
        get
        {
            var separator = Path.DirectorySeparatorChar;
            var path = Path.Combine(
                AppContext.BaseDirectory.Replace($"{separator}Fpo.Grains.Tests{separator}bin{separator}", $"{separator}Fpo.Grains.FolderHost{separator}bin{separator}", StringComparison.Ordinal),
                "Fpo.Grains.FolderHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build tests/Fpo.Grains.Tests, which builds tests/Fpo.Grains.FolderHost with it", path);
        }
    }

    public static FolderHostProcess Start(string folder, int events)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Program, folder, events.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(argument);
        var host = new FolderHostProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        host._process.Exited += (_, _) => host._exited.TrySetResult();
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Completes when the host printed <paramref name="line"/>; fails with its output if it exits or times out first.</summary>
    public async Task SeenAsync(string line, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_output.Contains(line)) return;
            _waiters.Add((line, seen));
        }
        var first = await Task.WhenAny(seen.Task, _exited.Task).WaitAsync(timeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        if (first == seen.Task) return;
        if (first is not null)
        {
            // Exited can come before the output reader delivered the last lines: the line may still be on its way.
            // WaitForExitAsync returns once the redirected output reached its end.
            await _process.WaitForExitAsync();
            lock (_gate)
                if (_output.Contains(line)) return;
        }
        throw new TimeoutException(
            $"waited {timeout.TotalSeconds:F0} s for the folder host to print \"{line}\"; it {(first is null ? "is still running" : $"exited with code {_process.ExitCode}")}. Its last output:\n{Tail()}");
    }

    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        await _exited.Task.WaitAsync(timeout);
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process ends at once, with whatever it had written to the OS and nothing more.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public string Tail()
    {
        lock (_gate) return string.Join('\n', _output.TakeLast(30));
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _output.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Line == line).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult();
            }
        }
    }
}
