using System.Diagnostics;
using Fpo.Grains.Tests.Embedded;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>
/// kill -9 of a real silo process in the middle of producing and consuming, then a restart on the same folder: every
/// event whose produce call returned is processed, at least once.
/// </summary>
public sealed class FolderKillTests : RunFolder
{
    private const int Events = 400;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_silo_killed_mid_stream_processes_every_event_after_a_restart()
    {
        var clock = Stopwatch.StartNew();
        using (var doomed = FolderHostProcess.Start(Folder, Events))
        {
            await doomed.SeenAsync("produced 200", Patience);
            await doomed.KillAsync();
        }
        var producedBeforeKill = File.ReadLines(Path.Combine(Folder, "produced.log")).Count();
        var processedBeforeKill = File.ReadLines(Path.Combine(Folder, "processed.log")).Count();

        using (var restarted = FolderHostProcess.Start(Folder, Events))
        {
            await restarted.SeenAsync("all processed", Patience);
            Assert.True(await restarted.ExitCodeAsync(Patience) == 0, $"the restarted folder host failed:\n{restarted.Tail()}");
        }

        var processed = File.ReadLines(Path.Combine(Folder, "processed.log")).Select(int.Parse).ToList();
        var times = processed.CountBy(n => n).ToDictionary();
        Assert.Equal(Enumerable.Range(0, Events), times.Keys.Order());
        var duplicates = processed.Count - times.Count;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"killed after {producedBeforeKill} produced and {processedBeforeKill} processed; after the restart {Events} events were processed " +
            $"with {duplicates} duplicates (at most {times.Values.Max()} times each); {clock.Elapsed.TotalSeconds:F1} s in all");
        // Only records not yet acknowledged at the kill come again, and the host keeps at most 50 pending. One more: an
        // event produced just before the kill but not yet in produced.log is produced again.
        Assert.InRange(times.Values.Max(), 1, 3);
        Assert.InRange(duplicates, 0, 51);
    }
}
