namespace Fpo.Alignment.Judges;

/// <summary>
/// Thread-safe counts of what a judge did: calls to its model or server, retries, cache hits, labels, abstentions per
/// reason, and position consistency (both orders preferring the same response) over pairs judged in both orders.
/// </summary>
public sealed class JudgeCounters
{
    private long _calls, _retries, _cacheHits, _labels, _consistent, _inconsistent;
    private readonly long[] _abstentions = new long[Enum.GetValues<AbstentionReason>().Length];

    public long Calls => Interlocked.Read(ref _calls);
    public long Retries => Interlocked.Read(ref _retries);
    public long CacheHits => Interlocked.Read(ref _cacheHits);
    public long Labels => Interlocked.Read(ref _labels);
    public long PositionConsistent => Interlocked.Read(ref _consistent);
    public long PositionInconsistent => Interlocked.Read(ref _inconsistent);
    public long Abstentions(AbstentionReason reason) => Interlocked.Read(ref _abstentions[(int)reason]);
    public long TotalAbstentions => Enumerable.Range(0, _abstentions.Length).Sum(i => Interlocked.Read(ref _abstentions[i]));

    /// <summary>Fraction of pairs judged in both orders whose two orders agreed; NaN before any.</summary>
    public double PositionConsistency => (PositionConsistent + PositionInconsistent) is var n and > 0 ? (double)PositionConsistent / n : double.NaN;

    public void CountCall() => Interlocked.Increment(ref _calls);
    public void CountRetry() => Interlocked.Increment(ref _retries);
    public void CountCacheHit() => Interlocked.Increment(ref _cacheHits);

    /// <summary>Counts a verdict: a label or an abstention by reason.</summary>
    public JudgeVerdict Count(JudgeVerdict verdict)
    {
        if (verdict.Abstention is { } reason) Interlocked.Increment(ref _abstentions[(int)reason]);
        else Interlocked.Increment(ref _labels);
        return verdict;
    }

    /// <summary>Counts whether the two orders of one pair preferred the same response.</summary>
    public void CountPositionAgreement(bool consistent) => Interlocked.Increment(ref consistent ? ref _consistent : ref _inconsistent);
}
