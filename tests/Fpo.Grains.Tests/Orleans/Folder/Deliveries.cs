using System.Diagnostics;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>One event a test consumer finished: its stream, number, sequence number in its queue, and produce-to-consume time.</summary>
public sealed record Delivery(StreamId Stream, int Number, long Sequence, TimeSpan Latency);

/// <summary>
/// What the test consumers of one silo did, and signals for tests to await it: every wait names what it awaited and
/// reports what had arrived when it timed out.
/// </summary>
public sealed class Deliveries
{
    private readonly Lock _gate = new();
    private readonly List<Delivery> _delivered = [];
    private readonly Dictionary<int, int> _failedAttempts = [];
    private readonly List<(Func<IReadOnlyList<Delivery>, bool> Done, TaskCompletionSource Signal)> _waiters = [];
    private readonly TaskCompletionSource _gateOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Consumers of the "gated" namespace wait for this before they finish an event.</summary>
    public Task GateOpen => _gateOpen.Task;

    public void OpenGate() => _gateOpen.TrySetResult();

    public IReadOnlyList<Delivery> Delivered
    {
        get { lock (_gate) return [.. _delivered]; }
    }

    public int FailedAttempts(int number)
    {
        lock (_gate) return _failedAttempts.GetValueOrDefault(number);
    }

    public void Record(StreamId stream, FolderTestEvent item, long sequence)
    {
        lock (_gate)
        {
            _delivered.Add(new Delivery(stream, item.Number, sequence, Stopwatch.GetElapsedTime(item.ProducedAt)));
            foreach (var waiter in _waiters.Where(w => w.Done(_delivered)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }
    }

    public void Failed(FolderTestEvent item)
    {
        lock (_gate) _failedAttempts[item.Number] = _failedAttempts.GetValueOrDefault(item.Number) + 1;
    }

    public async Task WaitAsync(Func<IReadOnlyList<Delivery>, bool> done, string what, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (done(_delivered)) return;
            _waiters.Add((done, signal));
        }
        try
        {
            await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var numbers = string.Join(", ", Delivered.Select(d => d.Number));
            throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}; delivered so far: [{numbers}]");
        }
    }
}
