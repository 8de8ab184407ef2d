using Fpo.Alignment.Training;
using Fpo.Models.Training;
using Fpo.Sae.Training;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>
/// Progress bars for long work. On a terminal: a live bar with loss, tokens/s and ETA; elsewhere (CI, pipes) a plain
/// line every few percent, so logs show progress without control characters.
/// </summary>
public static class TrainingProgress
{
    public static void Show(string title, int firstStep, Action<IProgress<PretrainProgress>> run, int totalSteps) =>
        ShowSteps(title, firstStep, totalSteps, run, p => p.Step, Describe, Describe, p => p.ValidationLoss is not null || p.CheckpointPath is not null);

    /// <summary>SAE training: tokens/s, MSE, L0, dead % and the ETA from the latest rate.</summary>
    public static void Show(string title, int firstStep, Action<IProgress<SaeTrainingProgress>> run, int totalSteps) =>
        ShowSteps(title, firstStep, totalSteps, run, p => p.Step, Describe, DescribeBar, p => p.CheckpointPath is not null);

    /// <summary>Preference training: loss, accuracy, margin, the method's divergence and the held-out accuracy when measured.</summary>
    public static void Show(string title, int firstStep, Action<IProgress<PreferenceProgress>> run, int totalSteps) =>
        ShowSteps(title, firstStep, totalSteps, run, p => p.Step, Describe, DescribeBar, p => p.HeldOut is not null || p.CheckpointPath is not null);

    // A bar over steps on a terminal (described by describeBar); elsewhere a line (describe) every 5% of the steps, on
    // the last step and whenever important(p) (a checkpoint, a validation loss).
    private static void ShowSteps<T>(string title, int firstStep, int totalSteps, Action<IProgress<T>> run, Func<T, int> step,
        Func<T, string> describe, Func<T, string> describeBar, Func<T, bool> important)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var every = Math.Max(1, totalSteps / 20);
            run(new Inline<T>(p =>
            {
                if (step(p) % every == 0 || step(p) == totalSteps || important(p))
                    Console.Error.WriteLine(describe(p));
            }));
            return;
        }
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: totalSteps);
                task.Value = firstStep;
                run(new Inline<T>(p =>
                {
                    task.Value = step(p);
                    task.Description = Markup.Escape(describeBar(p));
                }));
            });
    }

    public static void ShowFraction(string title, Action<IProgress<double>> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            Console.Error.WriteLine($"fpo: {title}…");
            run(new Inline<double>(_ => { }));
            return;
        }
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                run(new Inline<double>(f => task.Value = f));
                task.Value = 1;
            });
    }

    private static string Describe(PretrainProgress p) =>
        $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4}" + (p.ValidationLoss is { } v ? $" val {v:F4}" : "") +
        $" lr {p.LearningRate:E2} |g| {p.GradientNorm:F2} {p.TokensPerSecond:F0} tok/s" + (p.CheckpointPath is { } c ? $" saved {Path.GetFileName(c)}" : "");

    private static string Describe(SaeTrainingProgress p)
    {
        var m = p.Metrics;
        var eta = p.TokensPerSecond > 0 ? TimeSpan.FromSeconds(Math.Round((p.TotalTokens - p.Tokens) / p.TokensPerSecond)) : TimeSpan.Zero;
        return $"step {p.Step}/{p.TotalSteps} {p.Tokens:N0} tokens {p.TokensPerSecond:F0} tok/s mse {m.Mse:F4} L0 {m.L0:F1} dead {m.DeadFraction:P1} " +
            $"lr {m.LearningRate:E2} eta {eta:c}" + (p.CheckpointPath is { } c ? $" saved {Path.GetFileName(c)}" : "");
    }

    // The bar has its own elapsed and remaining-time columns; the line keeps to what fits beside them.
    private static string DescribeBar(SaeTrainingProgress p) =>
        $"{p.Tokens:N0} tok {p.TokensPerSecond:F0} tok/s mse {p.Metrics.Mse:G4} L0 {p.Metrics.L0:F1} dead {p.Metrics.DeadFraction:P1}";

    private static string Describe(PreferenceProgress p) =>
        $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch} " + DescribeBar(p) + $" lr {p.LearningRate:E2} |g| {p.GradientNorm:F2} {p.PairsPerSecond:F1} pairs/s" +
        (p.CheckpointPath is { } c ? $" saved {Path.GetFileName(c)}" : "");

    private static string DescribeBar(PreferenceProgress p)
    {
        var m = p.Metrics;
        var divergence = m.FeatureDivergenceChosen is { } dw ? $" D_fpo {dw:G3}/{m.FeatureDivergenceRejected:G3}"
            : m.SequenceKlChosen is { } kw ? $" KL {kw:G3}/{m.SequenceKlRejected:G3}" : "";
        return $"{m.Method} loss {m.Loss:F4} acc {m.Accuracy:P0} margin {m.Margin:G3}{divergence}" +
            (p.HeldOut is { } h ? $" held-out loss {h.Loss:F4} acc {h.Accuracy:P0}" : "");
    }

    // Progress<T> posts to a captured context (the thread pool here), which would reorder and delay reports.
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
