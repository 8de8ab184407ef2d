using Fpo.Grains.Stores;

namespace Fpo.Grains.Embedded;

/// <summary>
/// An <see cref="ILineageLog"/> that reads which snapshot holds a preference from the snapshot store's index (written
/// with each snapshot, so the two never disagree) and logs dropped preferences to lineage/dropped.jsonl.
/// </summary>
internal sealed class EmbeddedLineageLog : ILineageLog, IDisposable
{
    private const string LogName = "lineage/dropped.jsonl";
    private readonly EmbeddedSnapshotStore _snapshots;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StreamWriter _log;
    private readonly List<DroppedPreference> _dropped = [];
    private readonly HashSet<string> _droppedIds = new(StringComparer.Ordinal);

    public EmbeddedLineageLog(string folder, EmbeddedSnapshotStore snapshots, TimeProvider time, ICollection<string> warnings)
    {
        _snapshots = snapshots;
        _time = time;
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "dropped.jsonl");
        foreach (var (line, d) in JsonlLog.Read<DroppedPreference>(path, LogName, warnings))
        {
            if (string.IsNullOrEmpty(d.PreferenceId) || d.Reason is null) throw JsonlLog.Corrupt(LogName, line, "a dropped preference needs \"preferenceId\" and \"reason\"");
            if (_droppedIds.Add(d.PreferenceId)) _dropped.Add(d);
        }
        _log = JsonlLog.OpenAppend(path);
    }

    public Task<long?> SnapshotOfAsync(string preferenceId, CancellationToken cancellationToken) =>
        Task.FromResult(_snapshots.SnapshotOf(preferenceId));

    public Task<IReadOnlyList<string>> PreferencesInAsync(long version, CancellationToken cancellationToken) =>
        Task.FromResult(_snapshots.PreferencesIn(version));

    public Task RecordDroppedAsync(string preferenceId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(preferenceId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_droppedIds.Add(preferenceId)) return Task.CompletedTask;
            var dropped = new DroppedPreference(preferenceId, reason, _time.GetUtcNow());
            _dropped.Add(dropped);
            JsonlLog.Append(_log, dropped);
            _log.Flush();
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DroppedPreference>> DroppedAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<DroppedPreference>>([.. _dropped]);
    }

    public void Dispose()
    {
        lock (_gate) _log.Dispose();
    }
}
