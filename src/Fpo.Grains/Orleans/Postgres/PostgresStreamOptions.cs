namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Delivery of a PostgreSQL stream provider (<see cref="PostgresStreamsExtensions.AddPostgresStreams"/>). A message
/// is delivered at least once: until a consumer has it, or until it dies after <see cref="MaxAttempts"/> deliveries
/// or at <see cref="ExpiryTimeout"/>, and then it waits in OrleansStreamDeadLetter for
/// <see cref="DeadLetterRetention"/> (<see cref="PostgresStreamQueues.DeadLettersAsync"/> lists them).
/// </summary>
public sealed record PostgresStreamOptions
{
    /// <summary>Queues the provider spreads its streams over; each is pulled by one silo at a time, so this bounds how many silos share the work.</summary>
    public int Queues { get; init; } = 8;

    /// <summary>Deliveries of a message before it becomes a dead letter: failed ones, and ones never confirmed (their silo died).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>How long a pulled message stays hidden; one its silo did not confirm by then is delivered again.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a message may wait for its first successful delivery before it becomes a dead letter. Long (Orleans
    /// defaults to 10 minutes), since a backlog of work that cost money to produce must wait, not die.
    /// </summary>
    public TimeSpan ExpiryTimeout { get; init; } = TimeSpan.FromDays(1);

    public TimeSpan DeadLetterRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often each silo pulls each of its queues.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a silo keeps retrying to hand one event to a failing consumer before it counts the delivery as failed.</summary>
    public TimeSpan MaxDeliveryTime { get; init; } = TimeSpan.FromMinutes(1);
}
