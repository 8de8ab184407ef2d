namespace Fpo.Grains.Embedded;

internal enum StreamState
{
    Pending,
    Leased,
    Acknowledged,
    Dead,
}

/// <summary>
/// One record of an <see cref="EmbeddedStream{T}"/> and where it is; <see cref="Sequence"/> is its publish order. An
/// acknowledged record keeps only its id (for idempotency): its value is dropped to keep a long run's memory flat.
/// </summary>
internal sealed class StreamEntry<T>(string id, T value, long sequence)
{
    public static readonly IComparer<StreamEntry<T>> ByDeadline = Comparer<StreamEntry<T>>.Create((a, b) =>
    {
        var c = a.Deadline.CompareTo(b.Deadline);
        return c != 0 ? c : a.Sequence.CompareTo(b.Sequence);
    });

    public string Id { get; } = id;
    public T Value { get; set; } = value;
    public long Sequence { get; } = sequence;
    public StreamState State { get; set; }
    public int Deliveries { get; set; }
    public long LeaseToken { get; set; }
    public DateTimeOffset Deadline { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset DiedAt { get; set; }
}
