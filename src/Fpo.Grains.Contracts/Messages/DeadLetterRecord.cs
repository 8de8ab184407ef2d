namespace Fpo.Grains.Contracts;

/// <summary>A record that left the data path without being processed: the stream it came from, its id, and why.</summary>
public sealed record DeadLetterRecord(string Stream, string Id, string Reason, DateTimeOffset At);
