using System.Globalization;
using Fpo.Grains.Backbone;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// An <see cref="IStream{T}"/> as rows of fpo_stream_records (state 0 pending, 1 leased, 2 acknowledged, 3 dead).
/// Leasing takes the oldest open rows with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent consumers in any process never
/// wait on each other or take the same row; deadlines are judged by the database clock. Every delivery gets a fresh
/// token from a sequence, and acknowledge, extend and fail act only on the row whose token still matches, so a holder
/// whose lease moved on changes nothing. Publishing and failing notify waiting consumers; expiries are found by polling.
/// </summary>
internal sealed class PostgresStream<T> : IStream<T>
{
    internal const short Pending = 0, LeasedState = 1, Acknowledged = 2, Dead = 3;

    private readonly PostgresConnector _connector;
    private readonly PostgresNotifications _notifications;
    private readonly IRecordCodec<T> _codec;
    private readonly string _run;
    private readonly int _maxDeliveries;

    public PostgresStream(PostgresConnector connector, PostgresNotifications notifications, string run, string name, IRecordCodec<T> codec, StreamSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxDeliveries, 1, nameof(settings));
        _connector = connector;
        _notifications = notifications;
        _run = run;
        Name = name;
        _codec = codec;
        _maxDeliveries = settings.MaxDeliveries;
    }

    public string Name { get; }

    internal string NotifyKey => $"s:{_run}/{Name}";

    public async Task<int> PublishAsync(IReadOnlyList<StreamItem<T>> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return 0;
        var (ids, values) = Encode(items);
        return await _connector.TransactAsync($"publishing to stream '{Name}'",
            (connection, ct) => InsertAsync(connection, ids, values, ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Leased<T>>> LeaseAsync(int maxCount, TimeSpan visibility, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(visibility, TimeSpan.Zero);
        var started = DateTime.UtcNow;
        while (true)
        {
            var signal = _notifications.Next(NotifyKey);
            var rows = await _connector.TransactAsync($"leasing from stream '{Name}'", async (connection, ct) =>
            {
                await ReapAsync(connection, ct).ConfigureAwait(false);
                return await Sql.ListAsync(connection, """
                    with taken as (
                        select id from fpo_stream_records
                        where run = @run and stream = @stream and state < 2 and (state = 0 or (deadline <= now() and deliveries < @maxDeliveries))
                        order by seq
                        limit @max
                        for update skip locked)
                    update fpo_stream_records r
                    set state = 1, deliveries = r.deliveries + 1, lease_token = nextval('fpo_lease_tokens'), deadline = now() + @visibility
                    from taken
                    where r.run = @run and r.stream = @stream and r.id = taken.id
                    returning r.id, r.value, r.deliveries, r.lease_token, r.deadline, r.seq
                    """, r => (Id: r.GetString(0), Value: r.GetString(1), Deliveries: r.GetInt32(2), Token: r.GetInt64(3),
                        Deadline: r.GetFieldValue<DateTimeOffset>(4), Seq: r.GetInt64(5)),
                    ct, ("run", _run), ("stream", Name), ("max", maxCount), ("maxDeliveries", _maxDeliveries), ("visibility", visibility)).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (rows.Count > 0)
                return [.. rows.OrderBy(r => r.Seq).Select(r => new Leased<T>(r.Id, Decode(r.Id, r.Value), r.Deliveries, r.Token, r.Deadline))];
            var left = wait - (DateTime.UtcNow - started);
            if (left <= TimeSpan.Zero) return [];
            await PostgresNotifications.WaitAsync(signal, left < _connector.Options.PollInterval ? left : _connector.Options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<string>> AcknowledgeAsync(IReadOnlyList<Leased<T>> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return [];
        var (ids, tokens) = Tokens(records);
        return await _connector.TransactAsync($"acknowledging in stream '{Name}'",
            (connection, ct) => AcknowledgeAsync(connection, ids, tokens, ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ExtendAsync(IReadOnlyList<Leased<T>> records, TimeSpan visibility, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(visibility, TimeSpan.Zero);
        if (records.Count == 0) return [];
        var (ids, tokens) = Tokens(records);
        return await _connector.TransactAsync($"extending leases in stream '{Name}'", (connection, ct) => Sql.ListAsync(connection, """
            update fpo_stream_records r set deadline = now() + @visibility
            from unnest(@ids::text[], @tokens::bigint[]) as a(id, token)
            where r.run = @run and r.stream = @stream and r.id = a.id and r.lease_token = a.token and r.state = 1 and r.deadline > now()
            returning r.id
            """, r => r.GetString(0), ct, ("run", _run), ("stream", Name), ("ids", ids), ("tokens", tokens), ("visibility", visibility)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task FailAsync(Leased<T> record, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        await _connector.TransactAsync($"failing a record in stream '{Name}'", async (connection, ct) =>
        {
            var state = await Sql.ScalarAsync<short?>(connection, """
                update fpo_stream_records
                set state = case when deliveries >= @max then 3 else 0 end,
                    error = @error,
                    died_at = case when deliveries >= @max then now() end,
                    lease_token = 0
                where run = @run and stream = @stream and id = @id and lease_token = @token and state = 1 and deadline > now()
                returning state
                """, ct, ("run", _run), ("stream", Name), ("id", record.Id), ("token", record.LeaseToken), ("max", _maxDeliveries), ("error", error)).ConfigureAwait(false);
            if (state == Pending) await NotifyAsync(connection, ct).ConfigureAwait(false);
            return state;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<StreamCounts> CountsAsync(CancellationToken cancellationToken) =>
        _connector.TransactAsync($"counting stream '{Name}'", async (connection, ct) =>
        {
            await ReapAsync(connection, ct).ConfigureAwait(false);
            var rows = await Sql.ListAsync(connection, """
                select count(*) filter (where state = 0 or (state = 1 and deadline <= now())),
                       count(*) filter (where state = 1 and deadline > now()),
                       count(*) filter (where state = 2),
                       count(*) filter (where state = 3)
                from fpo_stream_records where run = @run and stream = @stream
                """, r => new StreamCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), ct, ("run", _run), ("stream", Name)).ConfigureAwait(false);
            return rows[0];
        }, cancellationToken);

    public async Task<IReadOnlyList<DeadLetter<T>>> DeadLettersAsync(CancellationToken cancellationToken)
    {
        var rows = await _connector.TransactAsync($"reading dead letters of stream '{Name}'", async (connection, ct) =>
        {
            await ReapAsync(connection, ct).ConfigureAwait(false);
            return await Sql.ListAsync(connection, """
                select id, value, deliveries, coalesce(error, ''), died_at from fpo_stream_records
                where run = @run and stream = @stream and state = 3 order by died_at, seq
                """, r => (Id: r.GetString(0), Value: r.GetString(1), Deliveries: r.GetInt32(2), Error: r.GetString(3), At: r.GetFieldValue<DateTimeOffset>(4)),
                ct, ("run", _run), ("stream", Name)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new DeadLetter<T>(r.Id, Decode(r.Id, r.Value), r.Deliveries, r.Error, r.At))];
    }

    /// <summary>Inserts new records (ids seen before are skipped) in the caller's transaction and notifies waiting consumers.</summary>
    internal async Task<int> InsertAsync(NpgsqlConnection connection, string[] ids, string[] values, CancellationToken cancellationToken)
    {
        var added = await Sql.ExecuteAsync(connection, """
            insert into fpo_stream_records (run, stream, id, value)
            select @run, @stream, i.id, i.value from unnest(@ids::text[], @values::text[]) with ordinality as i(id, value, n)
            order by i.n
            on conflict do nothing
            """, cancellationToken, ("run", _run), ("stream", Name), ("ids", ids), ("values", values)).ConfigureAwait(false);
        if (added > 0) await NotifyAsync(connection, cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>
    /// Acknowledges the rows whose lease token still matches, in the caller's transaction. A row already acknowledged
    /// under the same token counts too, so a retry after a lost commit reply returns what the first attempt did.
    /// </summary>
    internal Task<List<string>> AcknowledgeAsync(NpgsqlConnection connection, string[] ids, long[] tokens, CancellationToken cancellationToken) =>
        Sql.ListAsync(connection, """
            with a as (select * from unnest(@ids::text[], @tokens::bigint[]) as a(id, token) where token > 0),
            done as (
                update fpo_stream_records r set state = 2, value = null
                from a
                where r.run = @run and r.stream = @stream and r.id = a.id and r.lease_token = a.token and r.state = 1
                returning r.id)
            select id from done
            union all
            select r.id from fpo_stream_records r join a on r.id = a.id
            where r.run = @run and r.stream = @stream and r.lease_token = a.token and r.state = 2
            """, r => r.GetString(0), cancellationToken, ("run", _run), ("stream", Name), ("ids", ids), ("tokens", tokens));

    /// <summary>Expired leases that used their last delivery are dead-lettered, saying so; rows other transactions hold are left for later.</summary>
    private Task<int> ReapAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, """
            with expired as (
                select id from fpo_stream_records
                where run = @run and stream = @stream and state = 1 and deadline <= now() and deliveries >= @max
                for update skip locked)
            update fpo_stream_records r
            set state = 3, lease_token = 0, died_at = now(),
                error = 'lease expired on delivery ' || r.deliveries || ' of ' || @max || ' without an acknowledgement'
            from expired
            where r.run = @run and r.stream = @stream and r.id = expired.id
            """, cancellationToken, ("run", _run), ("stream", Name), ("max", _maxDeliveries));

    private Task<int> NotifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, $"select pg_notify('{PostgresSchema.Channel}', @key)", cancellationToken, ("key", NotifyKey));

    internal (string[] Ids, string[] Values) Encode(IReadOnlyList<StreamItem<T>> items)
    {
        var ids = new string[items.Count];
        var values = new string[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (string.IsNullOrEmpty(items[i].Id)) throw new ArgumentException($"stream '{Name}': a record has an empty id; ids are the idempotency keys", nameof(items));
            ids[i] = items[i].Id;
            values[i] = _codec.Encode(items[i].Value);
        }
        return (ids, values);
    }

    internal static (string[] Ids, long[] Tokens) Tokens(IReadOnlyList<Leased<T>> records) =>
        ([.. records.Select(r => r.Id)], [.. records.Select(r => r.LeaseToken)]);

    private T Decode(string id, string text)
    {
        try
        {
            return _codec.Decode(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"stream '{Name}' of run '{_run}': the value of '{id}' does not decode: {e.Message}"), e);
        }
    }
}
