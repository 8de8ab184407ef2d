using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// A stream record a folder stream provider gave up on: the stream it was produced to, its sequence number in its
/// queue, its events, the last error a consumer threw on it (or why Orleans stopped delivering it), how many delivery
/// attempts failed, and when it was given up.
/// </summary>
public sealed record FolderDeadLetter(StreamId StreamId, long Sequence, IReadOnlyList<object?> Events, string Error, int Attempts, DateTimeOffset At);
