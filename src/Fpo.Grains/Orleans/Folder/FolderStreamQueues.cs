using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// The queues of one folder stream provider in one silo: their backlog per stream namespace, their dead letters, and the
/// delivery failures counted toward <see cref="FolderStreamOptions.MaxAttempts"/>. Resolve it by the provider's name:
/// <c>services.GetRequiredKeyedService&lt;FolderStreamQueues&gt;(name)</c>. The folder holds queue-N.log per queue,
/// dead-letters.log, and a lock that keeps a second silo out.
/// </summary>
public sealed partial class FolderStreamQueues : IDisposable
{
    private readonly FolderStreamOptions _options;
    private readonly Serializer _serializer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FolderLock _lock;
    private readonly List<FolderQueue> _queues = [];
    private readonly DeadLetterFile _deadLetters;
    private readonly PendingCounts _pending = new();
    private readonly ConcurrentDictionary<(int Queue, long Sequence), DeliveryFailures> _failures = new();

    internal FolderStreamQueues(string name, string folder, FolderStreamOptions options, Serializer serializer, TimeProvider time, ILogger<FolderStreamQueues> logger)
    {
        options.Validate(name);
        Name = name;
        Folder = Path.GetFullPath(folder);
        _options = options;
        _serializer = serializer;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(Folder);
        _lock = FolderLock.Acquire(Folder, $"folder stream provider '{name}'");
        try
        {
            CheckQueueCount();
            Mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = options.QueueCount }, name);
            for (var i = 0; i < options.QueueCount; i++)
                _queues.Add(new FolderQueue(Path.Combine(Folder, $"queue-{i}.log"), i, options.CompactionBytes, _pending, logger));
            _deadLetters = new DeadLetterFile(Path.Combine(Folder, "dead-letters.log"), logger);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public string Folder { get; }

    internal HashRingBasedStreamQueueMapper Mapper { get; }

    /// <summary>Records appended and not yet acknowledged (nor dead), per stream namespace: a copy, for metrics.</summary>
    public IReadOnlyDictionary<string, long> Pending() => _pending.Snapshot();

    /// <summary>Records of one stream namespace appended and not yet acknowledged (nor dead); cheap enough for every produce.</summary>
    public long Pending(string streamNamespace) => _pending.Count(streamNamespace);

    /// <summary>
    /// Completes once at most <paramref name="atMost"/> records of the namespace are pending: the back-pressure of a
    /// producer that must not run ahead of its consumers.
    /// </summary>
    public Task WaitForPendingAsync(string streamNamespace, long atMost, CancellationToken cancellationToken = default) =>
        _pending.WaitAsync(streamNamespace, atMost, cancellationToken);

    /// <summary>Every dead letter of this provider, oldest first, read from the folder.</summary>
    public Task<IReadOnlyList<FolderDeadLetter>> DeadLettersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<FolderDeadLetter>>([.. _deadLetters.ReadAll().Select(ToDeadLetter)]);
    }

    public void Dispose()
    {
        foreach (var queue in _queues) queue.Dispose();
        _deadLetters?.Dispose();
        _lock.Dispose();
    }

    internal FolderQueue Queue(QueueId queueId) => _queues[(int)queueId.GetNumericId()];

    internal FolderQueue Queue(StreamId streamId) => Queue(Mapper.GetQueueForStream(streamId));

    internal byte[] Serialize(FolderStreamMessage message) => _serializer.SerializeToArray(message);

    /// <summary>The record as Orleans delivers it; a record whose events no longer deserialize goes to the dead letters instead.</summary>
    internal FolderBatchContainer? Open(FolderQueue queue, QueueRecord record)
    {
        try
        {
            return new FolderBatchContainer(record.StreamId, new EventSequenceTokenV2(record.Sequence), Deserialize(record.Payload));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DeadLetter(queue, record.Sequence, $"its events do not deserialize: {Describe(e)}", attempts: 0);
            return null;
        }
    }

    /// <summary>
    /// Counts a consumer's failure on a record and keeps its exception. Returns true when that was the last attempt and
    /// the record went to the dead letters; the caller then reports the delivery done so the stream moves on.
    /// </summary>
    internal bool DeliveryFailed(StreamId streamId, long sequence, Exception error)
    {
        var queue = Queue(streamId);
        var failures = _failures.AddOrUpdate(
            (queue.Index, sequence),
            static (_, e) => new DeliveryFailures(1, Describe(e)),
            static (_, f, e) => new DeliveryFailures(f.Attempts + 1, Describe(e)),
            error);
        if (failures.Attempts < _options.MaxAttempts)
        {
            LogAttemptFailed(Name, failures.Attempts, _options.MaxAttempts, sequence, streamId, failures.LastError);
            return false;
        }
        DeadLetter(queue, sequence, failures.LastError, failures.Attempts);
        return true;
    }

    internal void Delivered(StreamId streamId, long sequence)
    {
        var queue = Queue(streamId);
        _failures.TryRemove((queue.Index, sequence), out _);
        queue.WakeReceiver();
    }

    /// <summary>Orleans stopped delivering a record (its MaxEventDeliveryTime ran out): dead letters keep it with the last error seen.</summary>
    internal void DeliveryAbandoned(StreamId streamId, long sequence)
    {
        var queue = Queue(streamId);
        var error = _failures.TryGetValue((queue.Index, sequence), out var failures)
            ? $"{failures.LastError} (then Orleans stopped retrying: StreamPullingAgentOptions.MaxEventDeliveryTime ran out)"
            : "Orleans stopped delivering it when StreamPullingAgentOptions.MaxEventDeliveryTime ran out, and no consumer threw (a timeout?)";
        DeadLetter(queue, sequence, error, failures.Attempts);
    }

    private void DeadLetter(FolderQueue queue, long sequence, string error, int attempts)
    {
        _failures.TryRemove((queue.Index, sequence), out _);
        if (queue.Find(sequence) is not { } record) return;
        _deadLetters.Append(new DeadLetterRecord(record.StreamId, sequence, attempts, _time.GetUtcNow(), error, record.Payload));
        queue.Acknowledge([sequence]);
        LogDeadLettered(Name, sequence, record.StreamId, attempts, error);
    }

    private FolderDeadLetter ToDeadLetter(DeadLetterRecord record)
    {
        try
        {
            var message = Deserialize(record.Payload);
            return new FolderDeadLetter(record.StreamId, record.Sequence, message.Events, record.Error, record.Attempts, record.At);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new FolderDeadLetter(record.StreamId, record.Sequence, [], $"{record.Error} (its events do not deserialize: {Describe(e)})", record.Attempts, record.At);
        }
    }

    /// <summary>A folder keeps its queue count: with another, streams would hash to other queues than their pending records.</summary>
    private void CheckQueueCount()
    {
        var path = Path.Combine(Folder, "queue-count");
        if (File.Exists(path))
        {
            var kept = File.ReadAllText(path).Trim();
            if (kept != _options.QueueCount.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new InvalidOperationException(
                    $"folder stream provider '{Name}': {Folder} holds {kept} queues, the options ask for {_options.QueueCount}. " +
                    $"Set {nameof(FolderStreamOptions)}.{nameof(FolderStreamOptions.QueueCount)} = {kept}, or start on an empty folder once every record is delivered.");
            return;
        }
        File.WriteAllText(path + ".new", _options.QueueCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(path + ".new", path, overwrite: true);
    }

    private FolderStreamMessage Deserialize(byte[] payload) =>
        _serializer.Deserialize<FolderStreamMessage>(payload) ?? throw new InvalidDataException("the payload holds no message");

    private static string Describe(Exception e) => $"{e.GetType().FullName}: {e.Message}";

    [LoggerMessage(Level = LogLevel.Information,
        Message = "folder stream provider '{Provider}': delivery {Attempt} of {MaxAttempts} of record {Sequence} of stream {Stream} failed: {Error}")]
    private partial void LogAttemptFailed(string provider, int attempt, int maxAttempts, long sequence, StreamId stream, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "folder stream provider '{Provider}': record {Sequence} of stream {Stream} went to the dead letters after {Attempts} failed attempts: {Error}")]
    private partial void LogDeadLettered(string provider, long sequence, StreamId stream, int attempts, string error);

    private readonly record struct DeliveryFailures(int Attempts, string LastError);
}
