using Fpo.Models.Generation;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>
/// Progress of `fpo generate --prompts` on stderr (stdout carries the samples or the JSON document): a live bar of
/// finished prompts when stderr is a terminal, otherwise a plain line every tenth of the prompts.
/// </summary>
public static class GenerationProgressDisplay
{
    public static T Show<T>(TextWriter error, int prompts, Func<IProgress<GenerationProgress>, T> run)
    {
        if (error != Console.Error || Console.IsErrorRedirected)
        {
            var every = Math.Max(1, prompts / 10);
            var reported = 0;
            return run(new Inline(p =>
            {
                if (p.CompletedRequests < reported + every && p.CompletedRequests < prompts) return;
                if (p.CompletedRequests == reported) return;
                reported = p.CompletedRequests;
                error.WriteLine($"fpo: {Describe(p)}");
            }));
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error), Interactive = InteractionSupport.Yes });
        var result = default(T);
        console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("generate", maxValue: prompts);
                result = run(new Inline(p =>
                {
                    task.Value = p.CompletedRequests;
                    task.Description = $"{p.CompletedRequests}/{p.TotalRequests} prompts, {p.TokensPerSecond:F0} tok/s";
                }));
            });
        return result!;
    }

    private static string Describe(GenerationProgress p) =>
        $"{p.CompletedRequests}/{p.TotalRequests} prompts, {p.GeneratedTokens} tokens, {p.TokensPerSecond:F1} tok/s, {p.InFlight} in flight";

    // Progress<T> posts to the thread pool, which would reorder and delay reports.
    private sealed class Inline(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
