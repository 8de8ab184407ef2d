using System.Diagnostics;
using Fpo.Grains.Embedded;
using Fpo.Grains.Stores;
using Fpo.Silo.Cli;

namespace Fpo.Silo.Tests;

/// <summary>
/// `fpo loop` as a real process, SIGKILLed between two snapshots and continued with --resume: the snapshots continue
/// from the newest one without a gap, and the lineage holds (no preference in two snapshots, none trained and dropped).
/// </summary>
public sealed class LoopKillTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-loop-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_loop_killed_with_SIGKILL_resumes_with_its_snapshots_continuing_and_its_lineage_holding()
    {
        var ct = TestContext.Current.CancellationToken;
        var args = TinyLoopRun.Args(_root);
        using (var first = Start([.. args, "--name", "k", "--max-snapshots", "100"]))
        {
            // The evaluator reports the newest snapshot it scored (it skips versions when it falls behind).
            await first.SeenAsync(l => l.StartsWith("fpo: snapshot ", StringComparison.Ordinal) && l.Contains(" (step ", StringComparison.Ordinal)
                && long.Parse(l["fpo: snapshot ".Length..l.IndexOf(' ', "fpo: snapshot ".Length)], System.Globalization.CultureInfo.InvariantCulture) >= 3,
                "an evaluation of snapshot 3 or later", Patience);
            first.Process.Kill(entireProcessTree: true);
            await first.Process.WaitForExitAsync(ct);
        }
        var run = Path.Combine(_root, "runs", "k");
        long killedAt;
        await using (var stores = EmbeddedRunStores.Open(run)) killedAt = (await stores.Snapshots.LatestAsync(ct))!.Version;
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGKILL at snapshot {killedAt}");

        using (var resumed = Start([.. args, "--resume", "k", "--max-snapshots", (killedAt + 3).ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await resumed.Process.WaitForExitAsync(ct).WaitAsync(Patience, ct);
            Assert.True(resumed.Process.ExitCode == 0, string.Join("\n", resumed.Lines));
            Assert.Contains(resumed.Lines, l => l.Contains($"fpo: resuming at snapshot {killedAt}", StringComparison.Ordinal));
        }

        await using (var stores = EmbeddedRunStores.Open(run))
        {
            var snapshots = await stores.Snapshots.ListAsync(ct);
            Assert.Equal(Enumerable.Range(0, snapshots.Count).Select(v => (long)v), snapshots.Select(s => s.Version));
            Assert.True(snapshots[^1].Version >= killedAt + 3, $"the resumed loop stopped at snapshot {snapshots[^1].Version}");
            var trained = new List<string>();
            foreach (var s in snapshots) trained.AddRange(await stores.Lineage.PreferencesInAsync(s.Version, ct));
            Assert.Equal(trained.Count, trained.Distinct().Count());
            var report = await stores.VerifyLineageAsync(ct);
            Assert.True(report.Holds, string.Join("\n", report.Violations));
        }
        var (exit, verify) = await Bench.Cluster.SiloProcess.RunFpoAsync(["lineage", "verify", "--run-folder", run], Patience);
        Assert.True(exit == 0, verify);
    }

    private FpoProcess Start(string[] args) => FpoProcess.Start(args, _root);

    /// <summary>`dotnet fpo.dll ARGS` of the fpo these tests built, with its stderr and stdout kept line by line.</summary>
    private sealed class FpoProcess : IDisposable
    {
        private readonly List<string> _lines = [];
        private readonly List<(Func<string, bool> Matches, TaskCompletionSource Seen)> _waits = [];

        private FpoProcess(Process process) => Process = process;

        public Process Process { get; }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines) return [.. _lines];
            }
        }

        public static FpoProcess Start(string[] args, string workingDirectory)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
            };
            start.ArgumentList.Add(typeof(LoopCommand).Assembly.Location);
            foreach (var a in args) start.ArgumentList.Add(a);
            start.Environment["FPO_THREADS"] = "1";
            var fpo = new FpoProcess(System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("could not start fpo loop"));
            fpo.Process.OutputDataReceived += (_, e) => fpo.Line(e.Data);
            fpo.Process.ErrorDataReceived += (_, e) => fpo.Line(e.Data);
            fpo.Process.BeginOutputReadLine();
            fpo.Process.BeginErrorReadLine();
            return fpo;
        }

        /// <summary>Completes once a line that <paramref name="matches"/> was printed; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
        public async Task SeenAsync(Func<string, bool> matches, string what, TimeSpan timeout)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lines)
            {
                if (_lines.Any(matches)) return;
                _waits.Add((matches, seen));
            }
            try
            {
                await seen.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"fpo never printed {what} within {timeout.TotalSeconds} s; its last lines:\n{string.Join("\n", Lines.TakeLast(15))}");
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }

        private void Line(string? line)
        {
            if (line is null) return;
            lock (_lines)
            {
                _lines.Add(line);
                foreach (var w in _waits.Where(w => w.Matches(line)).ToList())
                {
                    w.Seen.TrySetResult();
                    _waits.Remove(w);
                }
            }
        }
    }
}
