namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// What a test saw happen in the cluster (stream items, grain state writes, run events), in arrival order, and waits for
/// it that say what they awaited and what had arrived when they ran out.
/// </summary>
internal sealed class Observed<T>(Func<T, string> describe)
{
    private readonly Lock _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, int Count, TaskCompletionSource<IReadOnlyList<T>> Signal)> _waiters = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_gate) return [.. _items];
        }
    }

    public void Add(T item)
    {
        lock (_gate)
        {
            _items.Add(item);
            foreach (var waiter in _waiters.ToList())
            {
                var matches = _items.Where(waiter.Match).ToList();
                if (matches.Count < waiter.Count) continue;
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult(matches);
            }
        }
    }

    /// <summary>The first item, seen already or yet to come, that matches; <paramref name="what"/> names it in the timeout.</summary>
    public async Task<T> FirstAsync(Func<T, bool> match, string what) => (await AtLeastAsync(match, 1, what))[0];

    /// <summary>The items that match, once there are at least <paramref name="count"/> of them.</summary>
    public async Task<IReadOnlyList<T>> AtLeastAsync(Func<T, bool> match, int count, string what)
    {
        var signal = new TaskCompletionSource<IReadOnlyList<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var matches = _items.Where(match).ToList();
            if (matches.Count >= count) return matches;
            _waiters.Add((match, count, signal));
        }
        try
        {
            return await signal.Task.WaitAsync(Wait.Limit, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"waited {Wait.Limit.TotalSeconds:F0} s for {what}; seen so far: [{string.Join("; ", Items.Select(describe))}]");
        }
    }
}
