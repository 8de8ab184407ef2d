using System.Collections.Concurrent;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// What the test grains report to the test, shared by every silo of a test (they run in the test process): events by
/// topic, waits on a condition over them that end when a report makes it true (or time out saying what was awaited),
/// and gates that hold grains until the test opens them.
/// </summary>
public sealed class SiloSignals
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);
    private readonly List<(Func<SiloSignals, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _gate = new();

    public void Record(string topic, string value)
    {
        _events.GetOrAdd(topic, _ => new ConcurrentQueue<string>()).Enqueue(value);
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Condition(this)).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public IReadOnlyList<string> Events(string topic) => _events.TryGetValue(topic, out var events) ? [.. events] : [];

    /// <summary>Completes when <paramref name="condition"/> holds; fails after <paramref name="timeout"/> naming <paramref name="what"/>.</summary>
    public async Task WaitAsync(string what, Func<SiloSignals, bool> condition, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(this)) return;
            _waiters.Add((condition, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            lock (_gate) _waiters.RemoveAll(w => w.Done == done);
            throw new TimeoutException($"waited {timeout.TotalSeconds:0.#} s for {what}; events: {Describe()}");
        }
    }

    /// <summary>A gate that grains await; closed until <see cref="Open"/>.</summary>
    public Task Gate(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private string Describe() =>
        _events.IsEmpty ? "none" : string.Join("; ", _events.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value.Count}"));
}
