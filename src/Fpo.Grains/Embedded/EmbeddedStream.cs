using Fpo.Grains.Backbone;

namespace Fpo.Grains.Embedded;

/// <summary>
/// An <see cref="IStream{T}"/> held in memory and logged to streams/&lt;name&gt;.jsonl, flushed once per call. Expired
/// leases are found lazily, under the lock, by every operation (earliest deadline first), so an expired lease that
/// nobody has taken yet can still be acknowledged by its holder. Waiting consumers wake on a signal when records become
/// pending, or after a timed wait for the next lease deadline; there is no polling.
/// </summary>
internal sealed class EmbeddedStream<T> : IStream<T>, IAcknowledgeById, IDisposable
{
    private readonly Lock _gate = new();
    private readonly IRecordCodec<T> _codec;
    private readonly StreamSettings _settings;
    private readonly TimeProvider _time;
    private readonly StreamWriter _log;
    private readonly Dictionary<string, StreamEntry<T>> _entries = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, StreamEntry<T>> _pending = [];
    private readonly SortedSet<StreamEntry<T>> _leases = new(StreamEntry<T>.ByDeadline);
    private readonly List<StreamEntry<T>> _dead = [];
    private long _acknowledged;
    private long _nextToken;
    private TaskCompletionSource _available = NewSignal();

    public EmbeddedStream(string name, string path, IRecordCodec<T> codec, StreamSettings settings, TimeProvider time, ICollection<string> warnings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxDeliveries, 1, nameof(settings));
        Name = name;
        _codec = codec;
        _settings = settings;
        _time = time;
        var logName = $"streams/{name}.jsonl";
        var events = JsonlLog.Read<StreamEvent>(path, logName, warnings);
        _log = JsonlLog.OpenAppend(path);
        var undecoded = new Dictionary<string, (int Line, string Text)>(StringComparer.Ordinal);
        foreach (var (line, e) in events) Replay(e, logName, line, undecoded);
        foreach (var (id, (line, text)) in undecoded)
        {
            try { _entries[id].Value = codec.Decode(text); }
            catch (FormatException x) { throw JsonlLog.Corrupt(logName, line, $"the value of '{id}' does not decode: {x.Message}"); }
        }
        AbandonReplayedLeases();
        _log.Flush();
    }

    public string Name { get; }

    public Task<int> PublishAsync(IReadOnlyList<StreamItem<T>> items, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var added = 0;
        lock (_gate)
        {
            foreach (var item in items)
            {
                if (string.IsNullOrEmpty(item.Id)) throw new ArgumentException($"stream '{Name}': a record has an empty id; ids are the idempotency keys", nameof(items));
                if (_entries.ContainsKey(item.Id)) continue;
                var encoded = _codec.Encode(item.Value);
                var entry = new StreamEntry<T>(item.Id, item.Value, _entries.Count);
                _entries.Add(item.Id, entry);
                _pending.Add(entry.Sequence, entry);
                JsonlLog.Append(_log, new StreamEvent(StreamEvent.Publish, item.Id, encoded));
                added++;
            }
            _log.Flush();
            if (added > 0) WakeLocked();
        }
        return Task.FromResult(added);
    }

    public async Task<IReadOnlyList<Leased<T>>> LeaseAsync(int maxCount, TimeSpan visibility, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(visibility, TimeSpan.Zero);
        var started = _time.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task available;
            TimeSpan untilExpiry;
            lock (_gate)
            {
                var leased = TakeLocked(maxCount, visibility);
                if (leased.Count > 0) return leased;
                available = _available.Task;
                untilExpiry = _leases.Count > 0 ? _leases.Min!.Deadline - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
            }
            var left = wait - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) return [];
            var nap = untilExpiry == Timeout.InfiniteTimeSpan || left < untilExpiry ? left : untilExpiry;
            if (nap < TimeSpan.FromMilliseconds(1)) nap = TimeSpan.FromMilliseconds(1);
            using var stopNap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(available, Task.Delay(nap, _time, stopNap.Token)).ConfigureAwait(false);
            await stopNap.CancelAsync().ConfigureAwait(false);
        }
    }

    public Task<IReadOnlyList<string>> AcknowledgeAsync(IReadOnlyList<Leased<T>> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var acknowledged = new List<string>();
        lock (_gate)
        {
            ReapLocked();
            foreach (var record in records)
            {
                // An expired lease nobody has taken again is still this holder's: its work is done, so it counts.
                if (record.LeaseToken <= 0 || !_entries.TryGetValue(record.Id, out var entry) || entry.LeaseToken != record.LeaseToken) continue;
                if (entry.State == StreamState.Leased) _leases.Remove(entry);
                else if (entry.State == StreamState.Pending) _pending.Remove(entry.Sequence);
                else continue;
                entry.State = StreamState.Acknowledged;
                entry.Value = default!;
                _acknowledged++;
                JsonlLog.Append(_log, new StreamEvent(StreamEvent.Ack, entry.Id));
                acknowledged.Add(entry.Id);
            }
            _log.Flush();
        }
        return Task.FromResult<IReadOnlyList<string>>(acknowledged);
    }

    /// <summary>Where every record is now, for <see cref="ILineageLog.VerifyAsync"/>; expired leases count as pending.</summary>
    public Dictionary<string, StreamState> States()
    {
        lock (_gate)
        {
            ReapLocked();
            return _entries.Values.ToDictionary(e => e.Id, e => e.State, StringComparer.Ordinal);
        }
    }

    public IReadOnlyList<string> AcknowledgeIds(IEnumerable<string> ids)
    {
        var acknowledged = new List<string>();
        lock (_gate)
        {
            ReapLocked();
            foreach (var id in ids)
            {
                if (!_entries.TryGetValue(id, out var entry)) continue;
                switch (entry.State)
                {
                    case StreamState.Leased: _leases.Remove(entry); break;
                    case StreamState.Pending: _pending.Remove(entry.Sequence); break;
                    // A snapshot holds it, so it was processed after all: the dead letter was the lease running out, not the record failing.
                    case StreamState.Dead: _dead.Remove(entry); break;
                    default: continue;
                }
                entry.State = StreamState.Acknowledged;
                entry.LeaseToken = 0;
                entry.Value = default!;
                _acknowledged++;
                JsonlLog.Append(_log, new StreamEvent(StreamEvent.Ack, entry.Id));
                acknowledged.Add(entry.Id);
            }
            _log.Flush();
        }
        return acknowledged;
    }

    public Task<IReadOnlyList<string>> ExtendAsync(IReadOnlyList<Leased<T>> records, TimeSpan visibility, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(visibility, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var held = new List<string>();
        lock (_gate)
        {
            ReapLocked();
            var deadline = _time.GetUtcNow() + visibility;
            foreach (var record in records)
            {
                if (!IsHeldLocked(record, out var entry)) continue;
                _leases.Remove(entry);
                entry.Deadline = deadline;
                _leases.Add(entry);
                held.Add(entry.Id);
            }
        }
        return Task.FromResult<IReadOnlyList<string>>(held);
    }

    public Task FailAsync(Leased<T> record, string error, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ReapLocked();
            if (IsHeldLocked(record, out var entry))
            {
                _leases.Remove(entry);
                entry.LeaseToken = 0;
                if (entry.Deliveries >= _settings.MaxDeliveries) KillLocked(entry, error);
                else
                {
                    ToPendingLocked(entry);
                    JsonlLog.Append(_log, new StreamEvent(StreamEvent.Fail, entry.Id, Error: error));
                    WakeLocked();
                }
                _log.Flush();
            }
        }
        return Task.CompletedTask;
    }

    public Task<StreamCounts> CountsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ReapLocked();
            return Task.FromResult(new StreamCounts(_pending.Count, _leases.Count, _acknowledged, _dead.Count));
        }
    }

    public Task<IReadOnlyList<DeadLetter<T>>> DeadLettersAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ReapLocked();
            return Task.FromResult<IReadOnlyList<DeadLetter<T>>>(
                [.. _dead.Select(e => new DeadLetter<T>(e.Id, e.Value, e.Deliveries, e.Error!, e.DiedAt))]);
        }
    }

    public void Dispose()
    {
        lock (_gate) _log.Dispose();
    }

    private List<Leased<T>> TakeLocked(int maxCount, TimeSpan visibility)
    {
        ReapLocked();
        var deadline = _time.GetUtcNow() + visibility;
        var taken = new List<StreamEntry<T>>(Math.Min(maxCount, _pending.Count));
        foreach (var entry in _pending.Values)
        {
            if (taken.Count == maxCount) break;
            taken.Add(entry);
        }
        var leased = new List<Leased<T>>(taken.Count);
        foreach (var entry in taken)
        {
            _pending.Remove(entry.Sequence);
            entry.State = StreamState.Leased;
            entry.Deliveries++;
            entry.LeaseToken = ++_nextToken;
            entry.Deadline = deadline;
            _leases.Add(entry);
            JsonlLog.Append(_log, new StreamEvent(StreamEvent.Lease, entry.Id));
            leased.Add(new Leased<T>(entry.Id, entry.Value, entry.Deliveries, entry.LeaseToken, deadline));
        }
        if (taken.Count > 0) _log.Flush();
        return leased;
    }

    /// <summary>Expired leases become pending again, or dead once they used their last delivery.</summary>
    private void ReapLocked()
    {
        var now = _time.GetUtcNow();
        var woke = false;
        var died = false;
        while (_leases.Count > 0 && _leases.Min!.Deadline <= now)
        {
            var entry = _leases.Min;
            _leases.Remove(entry);
            if (entry.Deliveries >= _settings.MaxDeliveries)
            {
                entry.LeaseToken = 0;
                KillLocked(entry, $"lease expired on delivery {entry.Deliveries} of {_settings.MaxDeliveries}");
                died = true;
            }
            else
            {
                ToPendingLocked(entry);
                woke = true;
            }
        }
        if (died) _log.Flush();
        if (woke) WakeLocked();
    }

    private bool IsHeldLocked(Leased<T> record, out StreamEntry<T> entry) =>
        _entries.TryGetValue(record.Id, out entry!) && entry.State == StreamState.Leased && entry.LeaseToken == record.LeaseToken;

    private void ToPendingLocked(StreamEntry<T> entry)
    {
        entry.State = StreamState.Pending;
        _pending.Add(entry.Sequence, entry);
    }

    private void KillLocked(StreamEntry<T> entry, string error)
    {
        entry.State = StreamState.Dead;
        entry.Error = error;
        entry.DiedAt = _time.GetUtcNow();
        _dead.Add(entry);
        JsonlLog.Append(_log, new StreamEvent(StreamEvent.Dead, entry.Id, Error: error, At: entry.DiedAt));
    }

    private void WakeLocked()
    {
        var woken = _available;
        _available = NewSignal();
        woken.SetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Applies one logged event; values are decoded after the whole log, and only for records not acknowledged.</summary>
    private void Replay(StreamEvent e, string logName, int line, Dictionary<string, (int Line, string Text)> undecoded)
    {
        if (string.IsNullOrEmpty(e.Op) || string.IsNullOrEmpty(e.Id)) throw JsonlLog.Corrupt(logName, line, "an event needs \"op\" and \"id\"");
        if (e.Op is not (StreamEvent.Publish or StreamEvent.Lease or StreamEvent.Ack or StreamEvent.Fail or StreamEvent.Dead))
            throw JsonlLog.Corrupt(logName, line, $"unknown op \"{e.Op}\"; expected publish, lease, ack, fail or dead");
        if (e.Op == StreamEvent.Publish)
        {
            if (e.Value is null) throw JsonlLog.Corrupt(logName, line, $"publish of '{e.Id}' has no \"value\"");
            if (_entries.ContainsKey(e.Id)) throw JsonlLog.Corrupt(logName, line, $"'{e.Id}' is published a second time");
            var entry = new StreamEntry<T>(e.Id, default!, _entries.Count);
            undecoded.Add(e.Id, (line, e.Value));
            _entries.Add(e.Id, entry);
            _pending.Add(entry.Sequence, entry);
            return;
        }
        if (!_entries.TryGetValue(e.Id, out var known)) throw JsonlLog.Corrupt(logName, line, $"\"{e.Op}\" of '{e.Id}', which was never published");
        // A dead record can still be acknowledged: by the snapshot that turned out to hold it (AcknowledgeIds).
        if (known.State is StreamState.Acknowledged || (known.State is StreamState.Dead && e.Op != StreamEvent.Ack))
            throw JsonlLog.Corrupt(logName, line, $"\"{e.Op}\" of '{e.Id}', which is already {known.State.ToString().ToLowerInvariant()}");
        switch (e.Op)
        {
            case StreamEvent.Lease:
                _pending.Remove(known.Sequence);
                known.State = StreamState.Leased;
                known.Deliveries++;
                _nextToken++;
                break;
            case StreamEvent.Fail:
                if (known.State == StreamState.Leased) ToPendingLocked(known);
                break;
            case StreamEvent.Ack:
                undecoded.Remove(e.Id);
                _pending.Remove(known.Sequence);
                if (known.State == StreamState.Dead) _dead.Remove(known);
                known.State = StreamState.Acknowledged;
                _acknowledged++;
                break;
            case StreamEvent.Dead:
                _pending.Remove(known.Sequence);
                known.State = StreamState.Dead;
                known.Error = e.Error ?? "";
                known.DiedAt = e.At ?? default;
                _dead.Add(known);
                break;
        }
    }

    /// <summary>
    /// Leases held when the run stopped were abandoned: like expired ones they become pending with their delivery count
    /// kept, or dead if that was their last delivery.
    /// </summary>
    private void AbandonReplayedLeases()
    {
        foreach (var entry in _entries.Values)
        {
            if (entry.State != StreamState.Leased) continue;
            if (entry.Deliveries >= _settings.MaxDeliveries) KillLocked(entry, $"lease abandoned when the run stopped, on delivery {entry.Deliveries} of {_settings.MaxDeliveries}");
            else ToPendingLocked(entry);
        }
    }
}
