using Fpo.Alignment.Tasks;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>
/// Shows task preparation: on a terminal one bar per stage with its latest detail (loss, tokens/s), a cached stage as
/// a filled bar marked "cached"; elsewhere a line per stage start and end and every 10% of a stage.
/// </summary>
public static class TaskProgressDisplay
{
    /// <summary>Runs <paramref name="prepare"/> with a progress reporter drawn on the console.</summary>
    public static T Show<T>(Func<ITaskProgress, T> prepare)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return prepare(new Lines());
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => result = prepare(new Bars(ctx)));
        return result;
    }

    private sealed class Bars(ProgressContext ctx) : ITaskProgress
    {
        private ProgressTask? _bar;
        private string _stage = "";

        public void BeginStage(string stage, long total)
        {
            _stage = stage;
            _bar = ctx.AddTask(Markup.Escape(stage), maxValue: Math.Max(1, total));
        }

        public void Advance(long amount, string detail)
        {
            if (_bar is null) return;
            _bar.Increment(amount);
            _bar.Description = Markup.Escape($"{_stage}: {detail}");
        }

        public void EndStage(string stage)
        {
            if (_bar is null) return;
            _bar.Value = _bar.MaxValue;
            _bar.StopTask();
            _bar = null;
        }

        public void StageReused(string stage, string folder)
        {
            var bar = ctx.AddTask(Markup.Escape($"{stage}: cached in {Path.GetFileName(folder)}"), maxValue: 1);
            bar.Value = 1;
            bar.StopTask();
        }
    }

    private sealed class Lines : ITaskProgress
    {
        private string _stage = "";
        private long _total, _done, _nextLine;
        private DateTime _start;

        public void BeginStage(string stage, long total)
        {
            (_stage, _total, _done, _start) = (stage, Math.Max(1, total), 0, DateTime.UtcNow);
            _nextLine = _total / 10;
            Console.Error.WriteLine($"fpo: {stage}…");
        }

        public void Advance(long amount, string detail)
        {
            _done += amount;
            if (_done < _nextLine) return;
            _nextLine += Math.Max(1, _total / 10);
            Console.Error.WriteLine($"fpo: {_stage} {_done}/{_total} {detail}");
        }

        public void EndStage(string stage) => Console.Error.WriteLine($"fpo: {stage} done in {(DateTime.UtcNow - _start).TotalSeconds:F1} s");

        public void StageReused(string stage, string folder) => Console.Error.WriteLine($"fpo: {stage} cached in {folder}");
    }
}
