using System.Globalization;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;
using Spectre.Console;

namespace Fpo.Silo.Cli.Loop;

/// <summary>
/// The live view of `fpo loop`: on a terminal a table redrawn every second (snapshot version, pairs/min, trainer steps,
/// judge abstentions, latest win rate, KL, drift, queues, elapsed); elsewhere a status line every ten seconds and a
/// line per evaluation, so logs stay readable.
/// </summary>
public static class LoopView
{
    public static async Task<T> ShowAsync<T>(LoopHost host, Func<Task<T>> run, TextWriter log)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            host.Evaluated += e => log.WriteLine("fpo: " + Describe(e));
            var task = run();
            while (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false) != task)
                log.WriteLine("fpo: " + Line(await host.StatusAsync(CancellationToken.None).ConfigureAwait(false)));
            return await task.ConfigureAwait(false);
        }
        T result = default!;
        await AnsiConsole.Live(Table(await host.StatusAsync(CancellationToken.None).ConfigureAwait(false))).StartAsync(async ctx =>
        {
            var task = run();
            while (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false) != task)
            {
                ctx.UpdateTarget(Table(await host.StatusAsync(CancellationToken.None).ConfigureAwait(false)));
                ctx.Refresh();
            }
            result = await task.ConfigureAwait(false);
        }).ConfigureAwait(false);
        return result;
    }

    public static string Describe(SnapshotEvaluation e) =>
        string.Create(CultureInfo.InvariantCulture, $"snapshot {e.Version} (step {e.TrainerStep}) under judge {JudgeName(e)}: LC win rate {Interval(e.LengthControlledWinRate, e.LengthControlledLow, e.LengthControlledHigh)}, ") +
        string.Create(CultureInfo.InvariantCulture, $"raw {Interval(e.WinRateWithTies, e.WinRateLow, e.WinRateHigh)} ({e.Wins} wins, {e.Losses} losses, {e.Ties} ties, {e.Abstentions} abstentions), ") +
        string.Create(CultureInfo.InvariantCulture, $"score {Number(e.MeanScore)} vs reference {Number(e.ReferenceMeanScore)}, KL {e.KlPerToken:F4}/token, drift {Number(e.FeatureDrift)}, length {e.MeanLength:F1} tokens");

    private static string Line(LoopStatus s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Elapsed:hh\\:mm\\:ss} snapshot {s.SnapshotVersion} steps {s.TrainerSteps} pairs {s.PairsProduced} ({s.PairsPerMinute:F1}/min) labelled {s.Labelled} abstained {s.Abstentions} ") +
        $"dropped {s.DroppedStale} queues {string.Join(" ", s.Queues.Select(q => $"{q.Key}={q.Value}"))}" +
        (s.LatestEvaluation is { } e ? string.Create(CultureInfo.InvariantCulture, $" | LC win rate {Percent(e.LengthControlledWinRate)} KL {e.KlPerToken:F4} drift {Number(e.FeatureDrift)}") : "") +
        (s.LastStep is { } step ? string.Create(CultureInfo.InvariantCulture, $" beta {step.Beta:G3}") : "");

    private static Table Table(LoopStatus s)
    {
        var table = new Table().Title("fpo loop").AddColumn("").AddColumn("");
        table.HideHeaders();
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        var e = s.LatestEvaluation;
        Row("elapsed", s.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        Row("snapshot version", $"{s.SnapshotVersion} (rollouts on {string.Join(", ", s.RolloutVersions)})");
        Row("trainer steps", $"{s.TrainerSteps} ({s.Trained} preferences trained, {s.DroppedStale} stale dropped, {s.Duplicates} redeliveries skipped, {s.TrainerInbox} received and in no snapshot yet)");
        Row("pairs", string.Create(CultureInfo.InvariantCulture, $"{s.PairsProduced} ({s.PairsPerMinute:F1}/min)"));
        Row("judge", $"{s.Labelled} labelled, {s.Abstentions} abstained");
        Row("queues (batches waiting)", string.Join("  ", s.Queues.Select(q => $"{q.Key} {q.Value}")));
        if (s.LastStep is { } step)
            Row("last step", string.Create(CultureInfo.InvariantCulture, $"loss {step.Metrics.Loss:F4} acc {step.Metrics.Accuracy:P0} lag {step.MeanPolicyLag:F1} {step.StepSeconds:F2} s beta {step.Beta:G3}{(step.Alpha is { } a ? " alpha " + a.ToString("G3", CultureInfo.InvariantCulture) : "")}"));
        Row("LC win rate vs reference", e is null ? "-" : $"{Interval(e.LengthControlledWinRate, e.LengthControlledLow, e.LengthControlledHigh)} (snapshot {e.Version}, judge {JudgeName(e)})");
        Row("raw win rate (ties ½)", e is null ? "-" : $"{Interval(e.WinRateWithTies, e.WinRateLow, e.WinRateHigh)} ({e.Wins}W {e.Losses}L {e.Ties}T {e.Abstentions}A)");
        Row("length (policy / reference)", e is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{e.MeanLength:F1} / {e.ReferenceMeanLength:F1} tokens"));
        Row("KL(policy‖ref) per token", e is null ? "-" : e.KlPerToken.ToString("F4", CultureInfo.InvariantCulture));
        Row("feature drift D_fpo", e is null ? "-" : Number(e.FeatureDrift));
        Row("score (policy / reference)", e is null ? "-" : $"{Number(e.MeanScore)} / {Number(e.ReferenceMeanScore)}");
        return table;
    }

    private static string Percent(double x) => double.IsFinite(x) ? x.ToString("P1", CultureInfo.InvariantCulture) : "-";

    /// <summary>"72.4 % [65.1 %, 79.0 %]", or the point alone without an interval.</summary>
    public static string Interval(double x, double low, double high) =>
        Percent(x) + (double.IsFinite(low) && double.IsFinite(high) ? $" [{Percent(low)}, {Percent(high)}]" : "");

    private static string JudgeName(SnapshotEvaluation e) => e.JudgeIsTrainingJudge ? $"{e.Judge} (the training judge)" : e.Judge;

    private static string Number(double? x) => x is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "-";
}
