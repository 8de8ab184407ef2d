using Fpo.Grains.Backbone;

namespace Fpo.Grains.Embedded;

/// <summary>
/// The one-process <see cref="IBackbone"/>: state in memory for speed, every change written to the run folder so a run
/// continues where it stopped (<c>fpo loop --resume</c>):
/// <code>
/// streams/&lt;name&gt;.jsonl   one event per line per stream (publish, lease, ack, fail, dead), flushed per call
/// snapshots/v000000/     a snapshot's files + snapshot.json (description and preference ids)
/// lineage/dropped.jsonl  dropped preferences with their reasons
/// features/v000000-policy.fstats   merged feature statistics and the delta ids applied to them
/// journal.jsonl          the run journal (trainer steps, evaluations), one entry per line
/// </code>
/// Opening replays it: acknowledged and dead records stay so, pending and leased ones are pending again with their
/// delivery counts. Logs are flushed to the operating system, not fsynced: they survive a crash of the process, not of
/// the machine. Logs are not compacted. One process owns a run folder at a time.
/// </summary>
public sealed class EmbeddedBackbone : IBackbone
{
    private readonly string _folder;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StreamRegistry _streams = new();
    private readonly List<string> _warnings = [];
    private readonly EmbeddedSnapshotStore _snapshots;
    private readonly EmbeddedLineageLog _lineage;
    private readonly EmbeddedFeatureStatsStore _featureStats;
    private readonly EmbeddedRunJournal _journal;
    private readonly Dictionary<string, EmbeddedLeadership> _leaders = new(StringComparer.Ordinal);

    private EmbeddedBackbone(string folder, TimeProvider time)
    {
        _folder = folder;
        _time = time;
        RunId = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        Directory.CreateDirectory(Path.Combine(folder, "streams"));
        _snapshots = new EmbeddedSnapshotStore(Path.Combine(folder, "snapshots"), time, AcknowledgeConsumed);
        _lineage = new EmbeddedLineageLog(Path.Combine(folder, "lineage"), _snapshots, StreamStates, time, _warnings);
        _featureStats = new EmbeddedFeatureStatsStore(Path.Combine(folder, "features"));
        _journal = new EmbeddedRunJournal(Path.Combine(folder, "journal.jsonl"), time, _warnings);
    }

    /// <summary>
    /// Opens (or creates) the backbone of <paramref name="runFolder"/>. <paramref name="time"/> judges lease deadlines and
    /// stamps events (tests pass a clock they move); the system clock by default.
    /// </summary>
    public static EmbeddedBackbone Open(string runFolder, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runFolder);
        return new EmbeddedBackbone(Path.GetFullPath(runFolder), time ?? TimeProvider.System);
    }

    public string RunId { get; }

    public ISnapshotStore Snapshots => _snapshots;
    public ILineageLog Lineage => _lineage;
    public IFeatureStatsStore FeatureStats => _featureStats;
    public IRunJournal Journal => _journal;

    /// <summary>What opening had to repair (a torn last line dropped from a log), one message each; empty for a clean folder.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_gate) return [.. _warnings];
        }
    }

    /// <summary>
    /// The stream <paramref name="name"/> (letters, digits, '-', '_' and '.', not starting with '.', at most 64
    /// characters, since it names a file), replayed from its log on first use. Settings apply from the first call.
    /// Locks are taken registry first, then the backbone's own, never the other way.
    /// </summary>
    public IStream<T> Stream<T>(string name, IRecordCodec<T> codec, StreamSettings? settings = null) =>
        _streams.GetOrAdd(name, () =>
        {
            EmbeddedStream<T> stream;
            lock (_gate) stream = new EmbeddedStream<T>(name, StreamLog(name), codec, settings ?? new StreamSettings(), _time, _warnings);
            // A crash after a snapshot was written and before its preferences were acknowledged is finished here.
            stream.AcknowledgeIds(_snapshots.ConsumedIn(name));
            return stream;
        });

    /// <summary>Publishes, then acknowledges: a crash in between redoes the step, and the repeated publish changes nothing.</summary>
    public async Task<IReadOnlyList<string>> ForwardAsync<TIn, TOut>(
        IStream<TIn> from, IReadOnlyList<Leased<TIn>> consumed,
        IStream<TOut> to, IReadOnlyList<StreamItem<TOut>> produced,
        CancellationToken cancellationToken)
    {
        await to.PublishAsync(produced, cancellationToken).ConfigureAwait(false);
        return await from.AcknowledgeAsync(consumed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One claim per role per backbone; a second claim of a held role gets null until the first is disposed.</summary>
    public Task<ILeadership?> TryLeadAsync(string role, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_leaders.ContainsKey(role)) return Task.FromResult<ILeadership?>(null);
            var claim = new EmbeddedLeadership(role, Release);
            _leaders.Add(role, claim);
            return Task.FromResult<ILeadership?>(claim);
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var claim in _leaders.Values) claim.MarkLost();
            _leaders.Clear();
        }
        foreach (var stream in _streams.Clear()) ((IDisposable)stream).Dispose();
        _lineage.Dispose();
        _snapshots.Dispose();
        _journal.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Release(EmbeddedLeadership claim)
    {
        lock (_gate)
            if (_leaders.TryGetValue(claim.Role, out var held) && held == claim) _leaders.Remove(claim.Role);
    }

    private void AcknowledgeConsumed(string stream, IReadOnlyList<string> ids)
    {
        // A stream not open yet acknowledges them when it opens (Stream<T>), from the snapshot index.
        (_streams.Find(stream) as IAcknowledgeById)?.AcknowledgeIds(ids);
    }

    private Dictionary<string, Dictionary<string, StreamState>> StreamStates(IEnumerable<string> names)
    {
        var states = new Dictionary<string, Dictionary<string, StreamState>>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // A stream nobody opened is read from its log, while the registry keeps anyone from opening (and writing) it.
            var known = _streams.Inspect(name, open =>
            {
                if (open is IAcknowledgeById stream) return stream.States();
                lock (_gate) return StreamLogStates.Read(StreamLog(name), name, _warnings);
            });
            if (known is not null) states[name] = known;
        }
        return states;
    }

    private string StreamLog(string name) => Path.Combine(_folder, "streams", name + ".jsonl");
}
