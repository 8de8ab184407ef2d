using Fpo.Sae.Evaluation;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>
/// Progress of `fpo sae eval` on stderr (stdout carries the table or the JSON): a live bar when stderr is a terminal,
/// otherwise a plain line every tenth of the tokens.
/// </summary>
public static class SaeEvalProgress
{
    public static void Show(TextWriter error, long totalTokens, Action<IProgress<SaeEvaluationProgress>> run)
    {
        if (error != Console.Error || Console.IsErrorRedirected)
        {
            var every = Math.Max(1, totalTokens / 10);
            long reported = 0;
            run(new Inline(p =>
            {
                if (p.Tokens < reported + every && p.Tokens < p.TotalTokens) return;
                reported = p.Tokens;
                error.WriteLine($"fpo: {p.Tokens:N0}/{p.TotalTokens:N0} tokens evaluated");
            }));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error), Interactive = InteractionSupport.Yes });
        console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("sae eval", maxValue: totalTokens);
                run(new Inline(p =>
                {
                    task.Value = p.Tokens;
                    task.Description = $"{p.Tokens:N0}/{p.TotalTokens:N0} tokens";
                }));
            });
    }

    // Progress<T> posts to the thread pool, which would reorder and delay reports.
    private sealed class Inline(Action<SaeEvaluationProgress> report) : IProgress<SaeEvaluationProgress>
    {
        public void Report(SaeEvaluationProgress value) => report(value);
    }
}
