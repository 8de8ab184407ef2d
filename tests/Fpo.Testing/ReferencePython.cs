using System.Diagnostics;
using Xunit;

namespace Fpo.Testing;

/// <summary>Runs a script from tests/reference (a path relative to it) with Debian's PyTorch (/usr/bin/python3) and fails the test with its output.</summary>
public static class ReferencePython
{
    public static void Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
            WorkingDirectory = Path.Combine(RepoPaths.Root, "tests", "reference"),
        };
        start.ArgumentList.Add(script);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var python = Process.Start(start)!;
        var stderr = python.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = python.StandardOutput.ReadToEnd();
        Assert.True(python.WaitForExit(120_000), $"/usr/bin/python3 {script} did not finish within 120 s");
        Assert.True(python.ExitCode == 0, $"/usr/bin/python3 {script} {string.Join(' ', args)} exited with {python.ExitCode}:\n{stdout}{stderr.Result}");
    }
}
