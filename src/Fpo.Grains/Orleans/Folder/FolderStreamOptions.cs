namespace Fpo.Grains.Orleans.Folder;

/// <summary>How a folder stream provider keeps and delivers its records.</summary>
public sealed class FolderStreamOptions
{
    /// <summary>
    /// How many queue files the streams are spread over (by a hash ring of the stream id, so a stream stays in one queue
    /// and keeps its order). Each queue has its own pulling agent. A folder keeps the count it was created with: opening
    /// it with another fails, because streams would move between queues and overtake their own pending records.
    /// </summary>
    public int QueueCount { get; set; } = 4;

    /// <summary>
    /// How many failed deliveries of a record a consumer gets; on the last failure the record goes to the dead letters
    /// with that failure's exception and the stream goes on. Counted per record while the silo runs (a restart starts
    /// the count again).
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The pause between two delivery attempts of a failing record; the stream's later records wait behind it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an idle queue waits for an append before Orleans' pulling agent gets its turn back. An append and a
    /// finished delivery wake the queue at once, so this delays neither delivery nor acknowledgement in the common case;
    /// it bounds how late a delivered record is acknowledged (and leaves <see cref="FolderStreamQueues.Pending()"/>) when
    /// the agent's cursor had not moved past it yet at that wake.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A queue file at least this long is rewritten with only its pending records once at most half of it is pending.</summary>
    public long CompactionBytes { get; set; } = 4 << 20;

    internal void Validate(string name)
    {
        if (QueueCount < 1) throw Invalid(name, nameof(QueueCount), QueueCount, "at least 1");
        if (MaxAttempts < 1) throw Invalid(name, nameof(MaxAttempts), MaxAttempts, "at least 1");
        if (RetryDelay <= TimeSpan.Zero) throw Invalid(name, nameof(RetryDelay), RetryDelay, "positive");
        if (PollInterval <= TimeSpan.Zero) throw Invalid(name, nameof(PollInterval), PollInterval, "positive");
        if (CompactionBytes < 1) throw Invalid(name, nameof(CompactionBytes), CompactionBytes, "positive");
    }

    private static ArgumentException Invalid(string name, string option, object value, string expected) =>
        new($"folder stream provider '{name}': {nameof(FolderStreamOptions)}.{option} is {value}; it must be {expected}");
}
