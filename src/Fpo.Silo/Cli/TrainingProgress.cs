using Fpo.Models.Training;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>
/// Progress bars for long work. On a terminal: a live bar with loss, tokens/s and ETA; elsewhere (CI, pipes) a plain
/// line every few percent, so logs show progress without control characters.
/// </summary>
public static class TrainingProgress
{
    public static void Show(string title, int firstStep, Action<IProgress<PretrainProgress>> run, int totalSteps)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var every = Math.Max(1, totalSteps / 20);
            run(new Inline<PretrainProgress>(p =>
            {
                if (p.Step % every == 0 || p.Step == p.TotalSteps || p.ValidationLoss is not null || p.CheckpointPath is not null)
                    Console.Error.WriteLine(Describe(p));
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
                run(new Inline<PretrainProgress>(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape(Describe(p));
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

    // Progress<T> posts to a captured context (the thread pool here), which would reorder and delay reports.
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
