using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// One queue of a folder stream provider: an append-only file of <see cref="QueueRecord"/>s and acknowledgements,
/// replayed on open, with the records not yet acknowledged held in memory. Every append is one positioned write to the
/// OS before it returns, so a killed process loses nothing it accepted (an fsync per write is not made: a power cut can
/// lose the last writes the kernel had not flushed). Records handed to Orleans but not acknowledged are in the file and
/// come back after a restart: delivery is at least once. When at most half of a file at least
/// <see cref="FolderStreamOptions.CompactionBytes"/> long is still pending, it is rewritten with only those records.
/// </summary>
internal sealed partial class FolderQueue : IDisposable
{
    /// <summary>How long a receiver woken by a finished delivery still waits for an append; as long as the agent's timer period.</summary>
    public static readonly TimeSpan DeliveryGrace = TimeSpan.FromMilliseconds(5);

    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly string _name;
    private readonly long _compactionBytes;
    private readonly PendingCounts _pending;
    private readonly ILogger _logger;
    private readonly Queue<QueueRecord> _unread = new();
    private readonly Dictionary<long, QueueRecord> _taken = [];
    private SafeFileHandle _file;
    private long _length;
    private long _liveBytes;
    private long _nextSequence = 1;
    private TaskCompletionSource _wake = NewSignal();

    public FolderQueue(string path, int index, long compactionBytes, PendingCounts pending, ILogger logger)
    {
        _path = path;
        _name = Path.GetFileName(path);
        Index = index;
        _compactionBytes = compactionBytes;
        _pending = pending;
        _logger = logger;
        File.Delete(CompactingPath);
        var replayed = Replay(out var validLength, out var tornBytes);
        _file = OpenHandle(path);
        if (tornBytes > 0)
        {
            LogTornTail(_name, tornBytes, validLength, replayed.Count);
            RandomAccess.SetLength(_file, validLength);
        }
        _length = validLength;
        if (_length == 0) WriteLocked(QueueRecord.EncodeStart(_nextSequence));
        foreach (var record in replayed.Values)
        {
            _unread.Enqueue(record);
            _liveBytes += record.FrameLength;
            _pending.Add(record.Namespace, 1);
        }
    }

    public int Index { get; }

    private string CompactingPath => _path + ".compacting";

    /// <summary>Writes the record to the file and returns its sequence number once the OS has it.</summary>
    public long Append(StreamId streamId, byte[] payload)
    {
        lock (_gate)
        {
            var sequence = _nextSequence;
            var frame = QueueRecord.EncodeAppend(sequence, streamId, payload);
            WriteLocked(frame);
            _nextSequence++;
            var record = new QueueRecord(sequence, streamId, payload, frame.Length);
            _unread.Enqueue(record);
            _liveBytes += frame.Length;
            _pending.Add(record.Namespace, 1);
            WakeLocked();
            return sequence;
        }
    }

    /// <summary>
    /// Ends a receiver's wait without a record: a consumer finished a delivery, so Orleans' pulling agent may now report
    /// records delivered, which it does only between two reads.
    /// </summary>
    public void WakeReceiver()
    {
        lock (_gate) WakeLocked();
    }

    /// <summary>Up to <paramref name="maxCount"/> records not handed out yet, oldest first (all when negative).</summary>
    public List<QueueRecord> Take(int maxCount)
    {
        lock (_gate)
        {
            var count = maxCount < 0 ? _unread.Count : Math.Min(maxCount, _unread.Count);
            var taken = new List<QueueRecord>(count);
            for (var i = 0; i < count; i++)
            {
                var record = _unread.Dequeue();
                _taken.Add(record.Sequence, record);
                taken.Add(record);
            }
            return taken;
        }
    }

    /// <summary>
    /// Completes when a record is waiting to be taken, after <paramref name="wait"/>, or on cancellation. A
    /// <see cref="WakeReceiver"/> cuts what is left of the wait to <see cref="DeliveryGrace"/>: long enough for a producer
    /// that answers a delivery to be served at once, short enough that Orleans soon gets its turn to acknowledge. When a
    /// producer waits for the backlog to shrink, it will not append before that acknowledgement, so the wait ends at once.
    /// </summary>
    public async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (!cancellationToken.IsCancellationRequested)
        {
            Task wake;
            lock (_gate)
            {
                if (_unread.Count > 0) return;
                wake = _wake.Task;
            }
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero) return;
            using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var first = await Task.WhenAny(wake, Task.Delay(left, stopDelay.Token)).ConfigureAwait(false);
            await stopDelay.CancelAsync().ConfigureAwait(false);
            if (first != wake || _pending.HasWaiters) return;
            deadline = Math.Min(deadline, Stopwatch.GetTimestamp() + (long)(DeliveryGrace.TotalSeconds * Stopwatch.Frequency));
        }
    }

    /// <summary>The record handed out under <paramref name="sequence"/>, unless it was acknowledged since.</summary>
    public QueueRecord? Find(long sequence)
    {
        lock (_gate) return _taken.GetValueOrDefault(sequence);
    }

    /// <summary>Forgets handed-out records for good; unknown sequence numbers (acknowledged before) are skipped.</summary>
    public void Acknowledge(IEnumerable<long> sequences)
    {
        lock (_gate)
        {
            var done = new List<long>();
            foreach (var sequence in sequences)
            {
                if (!_taken.Remove(sequence, out var record)) continue;
                done.Add(sequence);
                _liveBytes -= record.FrameLength;
                _pending.Add(record.Namespace, -1);
            }
            if (done.Count == 0) return;
            WriteLocked(QueueRecord.EncodeAcknowledge(done));
            if (_length >= _compactionBytes && _liveBytes * 2 <= _length) CompactLocked();
        }
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }

    private SortedDictionary<long, QueueRecord> Replay(out int validLength, out int tornBytes)
    {
        var live = new SortedDictionary<long, QueueRecord>();
        if (!File.Exists(_path))
        {
            validLength = tornBytes = 0;
            return live;
        }
        var bytes = File.ReadAllBytes(_path);
        foreach (var frame in FramedFile.Read(bytes, _name, out validLength, out tornBytes))
        {
            var body = bytes.AsSpan(frame.BodyOffset, frame.BodyLength);
            switch (frame.Kind)
            {
                case QueueRecord.StartKind:
                    _nextSequence = Math.Max(_nextSequence, QueueRecord.DecodeStart(body, _name));
                    break;
                case QueueRecord.AppendKind:
                    var record = QueueRecord.DecodeAppend(body, frame.Length, _name);
                    live[record.Sequence] = record;
                    _nextSequence = Math.Max(_nextSequence, record.Sequence + 1);
                    break;
                case QueueRecord.AcknowledgeKind:
                    foreach (var sequence in QueueRecord.DecodeAcknowledge(bytes, frame, _name)) live.Remove(sequence);
                    break;
                default:
                    throw new InvalidDataException(
                        $"{_name}: byte {frame.Offset}: record kind {frame.Kind} is unknown; the file was written by a newer version. Run that version until the queue drains.");
            }
        }
        return live;
    }

    private void WriteLocked(byte[] bytes)
    {
        try
        {
            RandomAccess.Write(_file, bytes, _length);
        }
        catch (IOException e)
        {
            // Cut a partial write off, so the next record does not start behind garbage.
            RandomAccess.SetLength(_file, _length);
            throw new IOException($"{_name}: could not write {bytes.Length} bytes at byte {_length} ({e.Message}); free disk space or fix the folder's permissions", e);
        }
        _length += bytes.Length;
    }

    /// <summary>
    /// Writes the pending records to a new file, flushes it to disk and renames it over the queue file, so a kill at any
    /// point leaves either the old file or the new one. The start record carries the next sequence number, which the
    /// acknowledgements dropped with the old file would otherwise take back.
    /// </summary>
    private void CompactLocked()
    {
        var before = _length;
        try
        {
            using (var file = new FileStream(CompactingPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(QueueRecord.EncodeStart(_nextSequence));
                foreach (var record in _taken.Values.Concat(_unread).OrderBy(r => r.Sequence))
                    file.Write(QueueRecord.EncodeAppend(record.Sequence, record.StreamId, record.Payload));
                file.Flush(flushToDisk: true);
            }
            File.Move(CompactingPath, _path, overwrite: true);
        }
        catch (IOException e)
        {
            LogCompactionFailed(e, _name, _length);
            File.Delete(CompactingPath);
            return;
        }
        _file.Dispose();
        _file = OpenHandle(_path);
        _length = RandomAccess.GetLength(_file);
        LogCompacted(_name, before, _length);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Queue}: dropped a torn last record ({TornBytes} bytes at byte {Offset}); the process stopped while writing it. The {Kept} pending records before it are kept.")]
    private partial void LogTornTail(string queue, int tornBytes, int offset, int kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Queue}: compaction failed; the queue goes on in its {Bytes}-byte file")]
    private partial void LogCompactionFailed(Exception exception, string queue, long bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Queue}: compacted from {Before} to {After} bytes")]
    private partial void LogCompacted(string queue, long before, long after);

    private static SafeFileHandle OpenHandle(string path) =>
        File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);

    private void WakeLocked()
    {
        var woken = _wake;
        _wake = NewSignal();
        woken.SetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
