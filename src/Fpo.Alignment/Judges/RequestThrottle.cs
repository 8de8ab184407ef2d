namespace Fpo.Alignment.Judges;

/// <summary>
/// What an API allows: at most <c>concurrency</c> requests in flight, and requests-per-minute and tokens-per-minute
/// budgets as token buckets (0 = no limit). A request's token cost is estimated before it is sent (see
/// <see cref="EstimateTokens"/>), since servers count prompt plus maximum completion against the budget.
/// </summary>
public sealed class RequestThrottle : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly TokenBucket? _requests, _tokens;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public RequestThrottle(int concurrency, double requestsPerMinute, double tokensPerMinute, TimeProvider time)
    {
        if (concurrency < 1) throw new ArgumentOutOfRangeException(nameof(concurrency), concurrency, "the concurrency limit must be at least 1");
        if (!(requestsPerMinute >= 0)) throw new ArgumentOutOfRangeException(nameof(requestsPerMinute), requestsPerMinute, "requests per minute must be >= 0 (0 = no limit)");
        if (!(tokensPerMinute >= 0)) throw new ArgumentOutOfRangeException(nameof(tokensPerMinute), tokensPerMinute, "tokens per minute must be >= 0 (0 = no limit)");
        _slots = new SemaphoreSlim(concurrency, concurrency);
        _requests = requestsPerMinute > 0 ? new TokenBucket(requestsPerMinute, time) : null;
        _tokens = tokensPerMinute > 0 ? new TokenBucket(tokensPerMinute, time) : null;
        _time = time;
    }

    /// <summary>
    /// Tokens a request is charged: about 4 characters of English per BPE token for the prompt (rounded up), plus every
    /// completion token it may generate. An estimate that errs high for English and low for code or other scripts.
    /// </summary>
    public static int EstimateTokens(string prompt, int maxCompletionTokens) => (prompt.Length + 3) / 4 + maxCompletionTokens;

    /// <summary>Waits for a slot and both budgets; dispose the lease when the request is done.</summary>
    public async Task<IDisposable> AcquireAsync(int tokens, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var wait = TryTakeBoth(tokens);
                if (wait == TimeSpan.Zero) return new Lease(_slots);
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    // Both budgets or neither: a request admitted by one bucket but refused by the other must not spend the first.
    private TimeSpan TryTakeBoth(int tokens)
    {
        lock (_lock)
        {
            var wait = _requests?.TryTake(1) ?? TimeSpan.Zero;
            if (wait > TimeSpan.Zero) return wait;
            wait = _tokens?.TryTake(tokens) ?? TimeSpan.Zero;
            if (wait > TimeSpan.Zero) _requests?.Refund(1);
            return wait;
        }
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
