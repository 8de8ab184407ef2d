namespace Fpo.Grains.Orleans.Folder;

/// <summary>Records appended and not yet acknowledged, per stream namespace, summed over the queues of one provider.</summary>
internal sealed class PendingCounts
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _byNamespace = new(StringComparer.Ordinal);
    private readonly List<Waiter> _waiters = [];

    public void Add(string streamNamespace, long delta)
    {
        lock (_gate)
        {
            var count = _byNamespace[streamNamespace] = _byNamespace.GetValueOrDefault(streamNamespace) + delta;
            if (delta >= 0 || _waiters.Count == 0) return;
            foreach (var waiter in _waiters.Where(w => w.Namespace == streamNamespace && count <= w.AtMost).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>Whether a producer waits for a backlog to shrink, that is, for acknowledgements.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_gate) return _waiters.Count > 0;
        }
    }

    public long Count(string streamNamespace)
    {
        lock (_gate) return _byNamespace.GetValueOrDefault(streamNamespace);
    }

    /// <summary>A copy; a namespace stays listed (at 0) once it has had a record, so a drained backlog reads as 0.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        lock (_gate) return new Dictionary<string, long>(_byNamespace, StringComparer.Ordinal);
    }

    public Task WaitAsync(string streamNamespace, long atMost, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(streamNamespace, atMost, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            if (_byNamespace.GetValueOrDefault(streamNamespace) <= atMost) return Task.CompletedTask;
            _waiters.Add(waiter);
        }
        var cancel = cancellationToken.Register(() =>
        {
            lock (_gate) _waiters.Remove(waiter);
            waiter.Done.TrySetCanceled(cancellationToken);
        });
        _ = waiter.Done.Task.ContinueWith(_ => cancel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return waiter.Done.Task;
    }

    private sealed record Waiter(string Namespace, long AtMost, TaskCompletionSource Done);
}
