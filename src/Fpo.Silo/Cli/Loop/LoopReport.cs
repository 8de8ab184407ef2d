using Fpo.Grains.Loop;

namespace Fpo.Silo.Cli.Loop;

/// <summary>The end of a loop run: the evaluation history as a line per snapshot and the chart of win rate, KL and drift per snapshot.</summary>
public static class LoopReport
{
    public static async Task WriteAsync(LoopHost host, string runDir, TextWriter log)
    {
        var status = await host.StatusAsync(CancellationToken.None).ConfigureAwait(false);
        log.WriteLine($"fpo: {status.TrainerSteps} trainer steps, snapshot {status.SnapshotVersion}, {status.PairsProduced} pairs, {status.Labelled} labelled, {status.Abstentions} abstained, {status.DroppedStale} stale dropped");
        foreach (var e in host.Evaluator.History) log.WriteLine("fpo: " + LoopView.Describe(e));
    }
}
