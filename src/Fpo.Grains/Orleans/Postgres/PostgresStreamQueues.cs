using System.Collections.Concurrent;
using Npgsql;
using Orleans.Serialization;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// The backlog and the dead letters of the PostgreSQL stream providers of one service, for metrics, autoscalers and
/// operators. Streams are told apart by reading the stored payloads (<see cref="StreamPayloads"/>), so this needs the
/// serializer of a silo or client that knows the event types; each pending message is read once per instance and
/// remembered by its id until it leaves the queue.
/// </summary>
public sealed class PostgresStreamQueues : IAsyncDisposable
{
    /// <summary>The namespace reported for messages whose payload this process cannot read.</summary>
    public const string Unreadable = "(unreadable)";

    private readonly NpgsqlDataSource _source;
    private readonly string _serviceId;
    private readonly StreamPayloads _payloads;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, string>> _namespaces = new(StringComparer.Ordinal);

    public PostgresStreamQueues(string connectionString, string serviceId, ObjectSerializer serializer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        ArgumentNullException.ThrowIfNull(serializer);
        _source = NpgsqlDataSource.Create(connectionString);
        _serviceId = serviceId;
        _payloads = new StreamPayloads(serializer);
    }

    /// <summary>
    /// Messages of stream provider <paramref name="provider"/> not yet confirmed, by stream namespace: waiting, or
    /// being delivered right now. Namespaces with nothing pending are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> PendingAsync(string provider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var known = _namespaces.GetOrAdd(provider, _ => new ConcurrentDictionary<long, string>());
        var pending = await ListAsync(
            "select MessageId from OrleansStreamMessage where ServiceId = @service and ProviderId = @provider",
            provider, [], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        var unknown = pending.Where(id => !known.ContainsKey(id)).ToArray();
        if (unknown.Length > 0)
        {
            var read = await ListAsync(
                "select MessageId, Payload from OrleansStreamMessage where ServiceId = @service and ProviderId = @provider and MessageId = any(@ids)",
                provider, [("ids", unknown)], r => (Id: r.GetInt64(0), Namespace: NamespaceOf(r.GetFieldValue<byte[]>(1))), cancellationToken).ConfigureAwait(false);
            foreach (var (id, ns) in read) known[id] = ns;
        }
        var present = pending.ToHashSet();
        foreach (var id in known.Keys)
            if (!present.Contains(id)) known.TryRemove(id, out _);
        return pending
            .Select(id => known.TryGetValue(id, out var ns) ? ns : null)
            .OfType<string>()
            .GroupBy(ns => ns, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.LongCount(), StringComparer.Ordinal);
    }

    /// <summary>The dead letters of stream provider <paramref name="provider"/>, the most recent first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<StreamDeadLetter>> DeadLettersAsync(string provider, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await ListAsync("""
            select QueueId, MessageId, Dequeued, Reason, CreatedOn, ExpiresOn, DeadOn, RemoveOn, Payload
            from OrleansStreamDeadLetter
            where ServiceId = @service and ProviderId = @provider
            order by DeadOn desc, MessageId desc
            limit @limit
            """, provider, [("limit", limit)], r =>
            {
                var payload = r.GetFieldValue<byte[]>(8);
                var stream = _payloads.TryRead(payload);
                return new StreamDeadLetter(
                    Queue: r.GetString(0),
                    MessageId: r.GetInt64(1),
                    StreamNamespace: stream is { } s ? s.GetNamespace() ?? "" : Unreadable,
                    StreamKey: stream is { } k ? k.GetKeyAsString() : "",
                    Attempts: r.GetInt32(2),
                    PayloadBytes: payload.Length,
                    Reason: r.GetString(3),
                    CreatedOn: r.GetFieldValue<DateTimeOffset>(4),
                    ExpiresOn: r.GetFieldValue<DateTimeOffset>(5),
                    DeadOn: r.GetFieldValue<DateTimeOffset>(6),
                    RemoveOn: r.GetFieldValue<DateTimeOffset>(7));
            }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private string NamespaceOf(byte[] payload) => _payloads.TryRead(payload) is { } stream ? stream.GetNamespace() ?? "" : Unreadable;

    private async Task<List<T>> ListAsync<T>(
        string sql, string provider, (string Name, object Value)[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("service", _serviceId);
        command.Parameters.AddWithValue("provider", provider);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(read(reader));
        return rows;
    }
}
