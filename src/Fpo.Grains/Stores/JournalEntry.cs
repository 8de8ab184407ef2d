namespace Fpo.Grains.Stores;

/// <summary>One record of a <see cref="IRunJournal"/>: its place in the run's order, kind, id, JSON and when it was appended.</summary>
public sealed record JournalEntry(long Sequence, string Kind, string Id, string Json, DateTimeOffset At);
