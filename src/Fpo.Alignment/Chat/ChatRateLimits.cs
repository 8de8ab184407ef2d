using System.Threading.RateLimiting;

namespace Fpo.Alignment.Chat;

/// <summary>
/// What an API allows, as System.Threading.RateLimiting limiters acquired in sequence: a slot among
/// <c>concurrency</c> requests in flight, then requests-per-minute and tokens-per-minute token buckets (0 = no limit),
/// each holding one second's worth and refilled every 100 ms (less often below 600 a minute, one permit at a time). A
/// request's token cost is estimated before it is sent (<see cref="EstimateTokens"/>), since servers count prompt plus
/// maximum completion against the budget; a cost above the bucket's size is paid in bucket-sized parts, one after the
/// other, so a large request waits its full share of the minute. Waiters are served oldest first.
/// </summary>
public sealed class ChatRateLimits : IDisposable
{
    private readonly ConcurrencyLimiter _slots;
    private readonly TokenBucketRateLimiter? _requests, _tokens;
    private readonly int _tokenLimit;  // the tokens bucket's size: a limiter refuses a larger acquisition outright

    public ChatRateLimits(int concurrency, double requestsPerMinute, double tokensPerMinute)
    {
        if (concurrency < 1) throw new ArgumentOutOfRangeException(nameof(concurrency), concurrency, "the concurrency limit must be at least 1");
        if (!(requestsPerMinute >= 0)) throw new ArgumentOutOfRangeException(nameof(requestsPerMinute), requestsPerMinute, "requests per minute must be >= 0 (0 = no limit)");
        if (!(tokensPerMinute >= 0)) throw new ArgumentOutOfRangeException(nameof(tokensPerMinute), tokensPerMinute, "tokens per minute must be >= 0 (0 = no limit)");
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = concurrency, QueueLimit = int.MaxValue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _requests = requestsPerMinute > 0 ? Bucket(requestsPerMinute) : null;
        _tokens = tokensPerMinute > 0 ? Bucket(tokensPerMinute) : null;
        _tokenLimit = BucketSize(tokensPerMinute);
    }

    /// <summary>
    /// Tokens a request is charged: about 4 characters of English per BPE token for the prompt (rounded up), plus every
    /// completion token it may generate. An estimate that errs high for English and low for code or other scripts.
    /// </summary>
    public static int EstimateTokens(long promptCharacters, int maxCompletionTokens) =>
        (int)Math.Min(int.MaxValue, (promptCharacters + 3) / 4 + maxCompletionTokens);

    /// <summary>Waits for a slot and both budgets; dispose the lease when the request is done.</summary>
    public async Task<IDisposable> AcquireAsync(int tokens, CancellationToken cancellationToken)
    {
        var leases = new List<RateLimitLease>(4);
        try
        {
            leases.Add(await AcquireAsync(_slots, 1, cancellationToken).ConfigureAwait(false));
            if (_requests is not null) leases.Add(await AcquireAsync(_requests, 1, cancellationToken).ConfigureAwait(false));
            if (_tokens is not null)
                for (var due = Math.Max(tokens, 1); due > 0; due -= _tokenLimit)
                    leases.Add(await AcquireAsync(_tokens, Math.Min(due, _tokenLimit), cancellationToken).ConfigureAwait(false));
            return new Leases(leases);
        }
        catch
        {
            foreach (var lease in leases) lease.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _requests?.Dispose();
        _tokens?.Dispose();
    }

    private static async Task<RateLimitLease> AcquireAsync(RateLimiter limiter, int permits, CancellationToken cancellationToken)
    {
        var lease = await limiter.AcquireAsync(permits, cancellationToken).ConfigureAwait(false);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        // Only a queue of more than int.MaxValue permits is refused.
        throw new InvalidOperationException("the rate limiter's queue is full");
    }

    // One second's worth (at least 1) refilled in whole permits about every 100 ms: the period is chosen so that each
    // refill is a whole number of permits and the rate is exact.
    private static TokenBucketRateLimiter Bucket(double perMinute)
    {
        var perPeriod = (int)Math.Min(int.MaxValue, Math.Max(1, Math.Floor(perMinute / 600)));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = BucketSize(perMinute),
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = TimeSpan.FromMinutes(perPeriod / perMinute),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    // Never less than a refill (perMinute / 600 rounded down), so a refill is never lost to a full bucket.
    private static int BucketSize(double perMinute) => (int)Math.Min(int.MaxValue, Math.Max(1, Math.Ceiling(perMinute / 60)));

    private sealed class Leases(List<RateLimitLease> leases) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            foreach (var lease in leases) lease.Dispose();
        }
    }
}
