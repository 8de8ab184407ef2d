using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Fpo.Tensors;

/// <summary>
/// Count-1 long-lived worker threads that, with the calling thread, run the ranges of one parallel-for at a time
/// without allocating: a decode step issues dozens of small parallel kernels, and Parallel.For's per-call tasks and
/// thread-pool wake-ups cost as much as the kernels themselves. Workers spin briefly after a job (the next one
/// usually follows within microseconds), then sleep until woken. A call that finds the team busy (a nested or a
/// concurrent call) gets false and must run its ranges another way.
/// </summary>
internal sealed class WorkerTeam : IDisposable
{
    private const long Closed = 0x7FFF_FFFF;  // next-range value that no range index reaches
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;  // 200 µs of idle spinning before sleeping

    private readonly Worker[] _workers;
    private int _busy;                        // 1 while a call owns the team
    private long _state = Closed;             // (generation << 32) | next range to claim
    private int _pending;                     // ranges of the current job not yet finished
    private Action<int, int>? _body;
    private int _items, _ranges;
    private ExceptionDispatchInfo? _error;
    private volatile bool _stopping;

    public int Threads { get; }

    public WorkerTeam(int threads)
    {
        Threads = threads;
        _workers = new Worker[threads - 1];
        for (var i = 0; i < _workers.Length; i++) _workers[i] = new Worker(this, i);
    }

    /// <summary>Runs body over <paramref name="ranges"/> contiguous ranges covering [0, items); false if the team is busy.</summary>
    public bool TryRun(Action<int, int> body, int items, int ranges)
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
        try
        {
            (_body, _items, _ranges, _error) = (body, items, ranges, null);
            Volatile.Write(ref _pending, ranges);
            var generation = (Volatile.Read(ref _state) >> 32) + 1;
            Volatile.Write(ref _state, generation << 32);
            for (var i = 0; i < Math.Min(ranges - 1, _workers.Length); i++) _workers[i].Wake();
            RunRanges();
            var spins = 0;
            while (Volatile.Read(ref _pending) != 0)
                if (++spins < 1000) Thread.SpinWait(8);
                else Thread.Yield();
            // Close the job before the fields change, so a worker that read them late cannot claim a range.
            Volatile.Write(ref _state, (generation << 32) | Closed);
            _body = null;
            _error?.Throw();
            return true;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // Claims and runs ranges of the current job until none is left. A claim succeeds only if the state has not moved
    // since the fields were read, so the fields belong to the claimed job.
    private void RunRanges()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            var body = _body;
            int items = _items, ranges = _ranges;
            var next = state & 0xFFFF_FFFF;
            if (next >= ranges || body is null) return;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            var r = (int)next;
            try
            {
                body((int)((long)r * items / ranges), (int)((long)(r + 1) * items / ranges));
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var w in _workers) w.Wake();
    }

    private sealed class Worker
    {
        private readonly WorkerTeam _team;
        private readonly object _gate = new();
        private bool _signaled;  // under _gate: a Wake the worker has not consumed yet
        private int _sleeping;

        public Worker(WorkerTeam team, int index)
        {
            _team = team;
            new Thread(Loop) { IsBackground = true, Name = $"fpo compute {index + 1}" }.Start();
        }

        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 0) return;
            lock (_gate)
            {
                _signaled = true;
                Monitor.Pulse(_gate);
            }
        }

        private void Sleep()
        {
            lock (_gate)
            {
                while (!_signaled) Monitor.Wait(_gate);
                _signaled = false;
            }
        }

        private void Loop()
        {
            long seen = 0;
            while (!_team._stopping)
            {
                var idleSince = Stopwatch.GetTimestamp();
                while (Volatile.Read(ref _team._state) >> 32 == seen && !_team._stopping)
                {
                    if (Stopwatch.GetTimestamp() - idleSince < SpinTicks)
                    {
                        Thread.SpinWait(16);
                        continue;
                    }
                    Volatile.Write(ref _sleeping, 1);
                    // a job published between the check and the flag would otherwise go unnoticed until the next one
                    if (Volatile.Read(ref _team._state) >> 32 != seen || _team._stopping)
                    {
                        if (Interlocked.Exchange(ref _sleeping, 0) == 0) Sleep();
                        break;
                    }
                    Sleep();
                    idleSince = Stopwatch.GetTimestamp();
                }
                seen = Volatile.Read(ref _team._state) >> 32;
                _team.RunRanges();
            }
        }
    }
}
