using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// A bare silo on the PostgreSQL membership as a child process (Fpo.Grains.TestSilo), so that <see cref="Kill"/> is
/// a SIGKILL: the silo vanishes with its sockets and database sessions and never marks itself dead.
/// </summary>
public sealed class KillableSilo : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<string> _active = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KillableSilo(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>The silo's address as Orleans writes it ("127.0.0.1:port@generation"); known once active.</summary>
    public string Address => _active.Task.IsCompletedSuccessfully ? _active.Task.Result : throw new InvalidOperationException($"{Name} is not active yet");

    public static KillableSilo Start(SiloSetup setup, string name)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "Fpo.Grains.TestSilo.dll");
        if (!File.Exists(program))
            throw new FileNotFoundException($"{program} is missing; Fpo.Grains.Tests references tests/Fpo.Grains.TestSilo, so building the tests builds it", program);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { program, setup.ConnectionString, setup.ServiceId, setup.ClusterId, $"{TestSilo.FreePort()}", $"{TestSilo.FreePort()}" })
            start.ArgumentList.Add(argument);
        var silo = new KillableSilo(name, Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}"));
        silo._process.OutputDataReceived += (_, e) => silo.Line(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Line(e.Data);
        silo._process.Exited += (_, _) => silo._active.TrySetException(new InvalidOperationException($"{name} exited before it was active: {silo.Output()}"));
        silo._process.EnableRaisingEvents = true;
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Completes when the silo has joined the cluster.</summary>
    public async Task ActiveAsync(TimeSpan timeout)
    {
        try
        {
            await _active.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} was not active after {timeout.TotalSeconds:0.#} s: {Output()}");
        }
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        if (line.StartsWith("active ", StringComparison.Ordinal)) _active.TrySetResult(line["active ".Length..]);
    }

    private string Output() => _output.IsEmpty ? "no output" : string.Join('\n', _output.TakeLast(20));

    private static string DotnetHost() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";
}
