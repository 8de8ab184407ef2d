using Fpo.Grains.Stores;

namespace Fpo.Grains.Embedded;

/// <summary>
/// An <see cref="IRunJournal"/> kept in memory and appended to journal.jsonl in the run folder (one
/// <see cref="JournalEntry"/> per line, flushed per append), replayed on open; a torn last line is dropped with a warning.
/// </summary>
internal sealed class EmbeddedRunJournal : IRunJournal, IDisposable
{
    private const string LogName = "journal.jsonl";
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StreamWriter _log;
    private readonly List<JournalEntry> _entries = [];
    private readonly HashSet<(string Kind, string Id)> _keys = [];

    public EmbeddedRunJournal(string path, TimeProvider time, ICollection<string> warnings)
    {
        _time = time;
        foreach (var (line, e) in JsonlLog.Read<JournalEntry>(path, LogName, warnings))
        {
            if (string.IsNullOrEmpty(e.Kind) || string.IsNullOrEmpty(e.Id) || e.Json is null)
                throw JsonlLog.Corrupt(LogName, line, "a journal entry needs \"kind\", \"id\" and \"json\"");
            if (e.Sequence != _entries.Count + 1)
                throw JsonlLog.Corrupt(LogName, line, $"sequence {e.Sequence} follows {_entries.Count}; sequences must rise by one");
            if (!_keys.Add((e.Kind, e.Id))) throw JsonlLog.Corrupt(LogName, line, $"({e.Kind}, {e.Id}) is appended a second time");
            _entries.Add(e);
        }
        _log = JsonlLog.OpenAppend(path);
    }

    public Task<bool> AppendAsync(string kind, string id, string json, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(json);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keys.Add((kind, id))) return Task.FromResult(false);
            var entry = new JournalEntry(_entries.Count + 1, kind, id, json, _time.GetUtcNow());
            _entries.Add(entry);
            JsonlLog.Append(_log, entry);
            _log.Flush();
        }
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<JournalEntry>> ReadAsync(string kind, long afterSequence, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var from = (int)Math.Clamp(afterSequence, 0, _entries.Count);
            return Task.FromResult<IReadOnlyList<JournalEntry>>([.. _entries.Skip(from).Where(e => e.Kind == kind).Take(max)]);
        }
    }

    public void Dispose()
    {
        lock (_gate) _log.Dispose();
    }
}
