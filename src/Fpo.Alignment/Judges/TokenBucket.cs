namespace Fpo.Alignment.Judges;

/// <summary>
/// A token bucket refilled at <c>perMinute</c>/60 per second and holding at most one second's worth (at least 1), so
/// over any window of w seconds at most perMinute·(w + 1 s)/60 is spent. A cost larger than the capacity is let through
/// once the bucket is full and leaves it in debt, which later callers wait out. Not thread-safe: the caller locks.
/// </summary>
internal sealed class TokenBucket(double perMinute, TimeProvider time)
{
    private readonly double _rate = perMinute / 60;  // per second
    private readonly double _capacity = Math.Max(1, perMinute / 60);
    private double _level = Math.Max(1, perMinute / 60);
    private long _stamp = time.GetTimestamp();

    /// <summary>Takes <paramref name="cost"/> and returns zero, or returns how long (never zero) to wait before asking again.</summary>
    public TimeSpan TryTake(double cost)
    {
        var now = time.GetTimestamp();
        _level = Math.Min(_capacity, _level + time.GetElapsedTime(_stamp, now).TotalSeconds * _rate);
        _stamp = now;
        var needed = Math.Min(cost, _capacity);
        if (_level >= needed)
        {
            _level -= cost;
            return TimeSpan.Zero;
        }
        // At least one tick: a shortfall that rounded to zero would read as "granted" without taking anything.
        return TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling((needed - _level) / _rate * TimeSpan.TicksPerSecond)));
    }

    /// <summary>Gives back what <see cref="TryTake"/> took when the request did not go ahead after all.</summary>
    public void Refund(double cost) => _level = Math.Min(_capacity, _level + cost);
}
