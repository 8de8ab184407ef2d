using System.Runtime.ExceptionServices;

namespace Fpo.Tensors;

/// <summary>The thread count every parallel kernel uses, and the range-splitting parallel-for they share.</summary>
public static class ComputeThreads
{
    private static int count = FromEnvironment(Environment.GetEnvironmentVariable("FPO_THREADS"), Environment.ProcessorCount);
    private static ParallelOptions options = new() { MaxDegreeOfParallelism = count };
    private static WorkerTeam? team;

    // The job a thread hands to Parallel.For; taken while in use so a nested For on the same thread builds its own.
    [ThreadStatic] private static RangeJob? idleJob;

    /// <summary>Threads every parallel kernel uses (at least 1). Default: FPO_THREADS when it is a positive integer, else all cores.</summary>
    public static int Count
    {
        get => count;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Count));
            options = new ParallelOptions { MaxDegreeOfParallelism = value };
            count = value;
            if (team is { } old && old.Threads != value)
            {
                team = null;
                old.Dispose();
            }
        }
    }

    /// <summary>The thread count an FPO_THREADS value asks for: a positive integer, else <paramref name="fallback"/>
    /// (an unusable value is reported on stderr so a typo does not go unnoticed).</summary>
    public static int FromEnvironment(string? value, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (int.TryParse(value, out var threads) && threads >= 1) return threads;
        Console.Error.WriteLine($"fpo: FPO_THREADS='{value}' is not a positive integer; using {fallback} threads");
        return fallback;
    }

    /// <summary>
    /// Runs <paramref name="rangeBody"/>(start, end) over contiguous ranges that cover [0, count) exactly once:
    /// at most <see cref="Count"/> × <paramref name="rangesPerThread"/> ranges of at least <paramref name="minRange"/>
    /// items each, in parallel, the calling thread taking part. One range runs inline, so small work pays no scheduling
    /// cost. Ranges go to a team of long-lived threads that claim them one at a time (no allocation per call), so
    /// several ranges per thread balance the load when another process takes a core; a nested or concurrent call runs
    /// on Parallel.For instead.
    /// </summary>
    public static void For(int count, Action<int, int> rangeBody, int minRange = 1, int rangesPerThread = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(rangesPerThread, 1);
        if (count == 0) return;
        var ranges = Math.Min(Count * rangesPerThread, count / Math.Max(minRange, 1));
        if (ranges <= 1)
        {
            rangeBody(0, count);
            return;
        }
        var threads = Count;
        var current = team ??= new WorkerTeam(threads);
        if (current.Threads == threads && current.TryRun(rangeBody, count, ranges)) return;
        var job = idleJob ?? new RangeJob();
        idleJob = null;
        job.Body = rangeBody;
        job.Items = count;
        job.Ranges = ranges;
        try
        {
            Parallel.For(0, ranges, options, job.RunRange);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        finally
        {
            job.Body = null;
            idleJob = job;
        }
    }

    /// <summary>Whether <see cref="For"/> would run (count, minRange) as one inline range: kernels then call their
    /// range body directly and skip building the delegate, so small calls allocate nothing.</summary>
    public static bool Inline(int count, int minRange = 1) => Ranges(count, minRange) <= 1;

    private static int Ranges(int count, int minRange) => Math.Min(Count, count / Math.Max(minRange, 1));

    private sealed class RangeJob
    {
        public Action<int, int>? Body;
        public int Items;
        public int Ranges;
        public readonly Action<int> RunRange;

        public RangeJob() => RunRange = Run;

        private void Run(int range) =>
            Body!((int)((long)range * Items / Ranges), (int)((long)(range + 1) * Items / Ranges));
    }
}
