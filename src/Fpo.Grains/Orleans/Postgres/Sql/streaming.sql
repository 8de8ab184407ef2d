-- Orleans ADO.NET streaming (Microsoft.Orleans.Streaming.AdoNet) on PostgreSQL.
--
-- A stream provider spreads its streams over queues (QueueId); one silo at a time pulls each queue. A message is a
-- batch of events of one stream, serialized by Orleans into Payload. Pulling a message makes it invisible for the
-- visibility timeout and counts the delivery in Dequeued; the silo deletes it once its consumers have it
-- (confirmation). A message that is not confirmed in time becomes visible again and is delivered again: delivery is
-- at least once. A message that was delivered MaxAttempts times, or that expires, moves to the dead letters.

create table OrleansStreamMessage (
    ServiceId text not null,
    ProviderId text not null,
    QueueId text not null,
    MessageId bigint generated always as identity,
    Dequeued integer not null default 0,
    VisibleOn timestamptz not null,
    ExpiresOn timestamptz not null,
    CreatedOn timestamptz not null,
    ModifiedOn timestamptz not null,
    Payload bytea not null,
    primary key (ServiceId, ProviderId, QueueId, MessageId));

-- Rows come and go quickly: vacuum early so that pulls do not wade through dead row versions.
alter table OrleansStreamMessage set (
    autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02);

-- Reason says why the message died: 'delivery failed' (a consumer failed on its last allowed delivery),
-- 'attempts exhausted' (delivered MaxAttempts times and never confirmed, e.g. its silo died each time) or 'expired'
-- (not delivered before ExpiresOn). Dead letters are deleted at RemoveOn.
create table OrleansStreamDeadLetter (
    ServiceId text not null,
    ProviderId text not null,
    QueueId text not null,
    MessageId bigint not null,
    Dequeued integer not null,
    CreatedOn timestamptz not null,
    ExpiresOn timestamptz not null,
    DeadOn timestamptz not null,
    RemoveOn timestamptz not null,
    Reason text not null,
    Payload bytea not null,
    primary key (ServiceId, ProviderId, QueueId, MessageId));

-- When each queue next sweeps dead and expired messages; pulls do it in passing, at most once per interval.
create table OrleansStreamControl (
    ServiceId text not null,
    ProviderId text not null,
    QueueId text not null,
    EvictOn timestamptz not null,
    primary key (ServiceId, ProviderId, QueueId));

-- Moves up to max_count messages of a queue that can no longer be delivered to the dead letters. A message that is
-- still invisible is left alone: its current delivery may yet be confirmed.
create function orleans_stream_evict_messages(
    service_id text, provider_id text, queue_id text, max_count integer, max_attempts integer, removal_seconds integer)
returns void language sql as $f$
    with doomed as (
        select MessageId
        from OrleansStreamMessage
        where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id
          and VisibleOn <= now() and (Dequeued >= max_attempts or ExpiresOn <= now())
        order by MessageId
        limit max_count
        for update skip locked),
    removed as (
        delete from OrleansStreamMessage m
        using doomed d
        where m.ServiceId = service_id and m.ProviderId = provider_id and m.QueueId = queue_id and m.MessageId = d.MessageId
        returning m.*)
    insert into OrleansStreamDeadLetter
        (ServiceId, ProviderId, QueueId, MessageId, Dequeued, CreatedOn, ExpiresOn, DeadOn, RemoveOn, Reason, Payload)
    select ServiceId, ProviderId, QueueId, MessageId, Dequeued, CreatedOn, ExpiresOn, now(),
           now() + make_interval(secs => removal_seconds),
           case when ExpiresOn <= now() then 'expired' else 'attempts exhausted' end,
           Payload
    from removed
$f$;

create function orleans_stream_evict_dead_letters(service_id text, provider_id text, queue_id text, max_count integer)
returns void language sql as $f$
    with expired as (
        select MessageId
        from OrleansStreamDeadLetter
        where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id and RemoveOn <= now()
        order by MessageId
        limit max_count
        for update skip locked)
    delete from OrleansStreamDeadLetter l
    using expired e
    where l.ServiceId = service_id and l.ProviderId = provider_id and l.QueueId = queue_id and l.MessageId = e.MessageId
$f$;

-- Pulls up to max_count visible messages of a queue, oldest first, and hides them for visibility_seconds. The first
-- pull after a queue's eviction interval (or its very first pull) also sweeps it.
create function orleans_stream_pull(
    service_id text, provider_id text, queue_id text, max_count integer, max_attempts integer,
    visibility_seconds integer, removal_seconds integer, eviction_seconds integer, eviction_batch integer)
returns table (
    ServiceId text, ProviderId text, QueueId text, MessageId bigint, Dequeued integer,
    VisibleOn timestamptz, ExpiresOn timestamptz, CreatedOn timestamptz, ModifiedOn timestamptz, Payload bytea)
language sql as $f$
    -- Written only when a sweep is due (or the queue is new), so that idle pulls write nothing. Of two pullers that
    -- race here, the second finds the schedule moved on and sweeps nothing.
    with rescheduled as (
        update OrleansStreamControl
        set EvictOn = now() + make_interval(secs => eviction_seconds)
        where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id and EvictOn <= now()
        returning 1),
    created as (
        insert into OrleansStreamControl (ServiceId, ProviderId, QueueId, EvictOn)
        select service_id, provider_id, queue_id, now() + make_interval(secs => eviction_seconds)
        where not exists (
            select 1 from OrleansStreamControl
            where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id)
        on conflict do nothing
        returning 1)
    select orleans_stream_evict_messages(service_id, provider_id, queue_id, eviction_batch, max_attempts, removal_seconds),
           orleans_stream_evict_dead_letters(service_id, provider_id, queue_id, eviction_batch)
    from (select 1 from rescheduled union all select 1 from created) due;

    with batch as (
        select MessageId
        from OrleansStreamMessage
        where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id
          and Dequeued < max_attempts and VisibleOn <= now() and ExpiresOn > now()
        order by MessageId
        limit max_count
        for update skip locked)
    update OrleansStreamMessage m
    set Dequeued = m.Dequeued + 1, VisibleOn = now() + make_interval(secs => visibility_seconds), ModifiedOn = now()
    from batch b
    where m.ServiceId = service_id and m.ProviderId = provider_id and m.QueueId = queue_id and m.MessageId = b.MessageId
    returning m.ServiceId, m.ProviderId, m.QueueId, m.MessageId, m.Dequeued, m.VisibleOn, m.ExpiresOn, m.CreatedOn,
              m.ModifiedOn, m.Payload
$f$;

-- A consumer failed on a message: deliver it again at once while attempts remain, otherwise make it a dead letter.
create function orleans_stream_fail(
    service_id text, provider_id text, queue_id text, message_id bigint, max_attempts integer, removal_seconds integer)
returns void language sql as $f$
    update OrleansStreamMessage
    set VisibleOn = now(), ModifiedOn = now()
    where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id and MessageId = message_id
      and Dequeued < max_attempts;

    with removed as (
        delete from OrleansStreamMessage
        where ServiceId = service_id and ProviderId = provider_id and QueueId = queue_id and MessageId = message_id
          and Dequeued >= max_attempts
        returning *)
    insert into OrleansStreamDeadLetter
        (ServiceId, ProviderId, QueueId, MessageId, Dequeued, CreatedOn, ExpiresOn, DeadOn, RemoveOn, Reason, Payload)
    select ServiceId, ProviderId, QueueId, MessageId, Dequeued, CreatedOn, ExpiresOn, now(),
           now() + make_interval(secs => removal_seconds), 'delivery failed', Payload
    from removed
$f$;

insert into OrleansQuery (QueryKey, QueryText) values

('QueueStreamMessageKey', $q$
insert into OrleansStreamMessage (ServiceId, ProviderId, QueueId, VisibleOn, ExpiresOn, CreatedOn, ModifiedOn, Payload)
values (@ServiceId, @ProviderId, @QueueId, now(), now() + make_interval(secs => @ExpiryTimeout), now(), now(), @Payload)
returning ServiceId, ProviderId, QueueId, MessageId
$q$),

('GetStreamMessagesKey', $q$
select * from orleans_stream_pull(@ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts, @VisibilityTimeout,
                                  @RemovalTimeout, @EvictionInterval, @EvictionBatchSize)
$q$),

-- @Items lists receipts "MessageId:Dequeued|…". A positive receipt confirms the delivery it names: the message is
-- deleted, unless it was pulled again since (then Dequeued moved on and the newer delivery stands). A negative
-- receipt (-Dequeued) hands the delivery back, so the message is visible again at once (a silo shutting down).
('ConfirmStreamMessagesKey', $q$
with receipts as (
    select split_part(item, ':', 1)::bigint as MessageId, split_part(item, ':', 2)::integer as Dequeued
    from unnest(string_to_array(@Items, '|')) as item),
confirmed as (
    delete from OrleansStreamMessage m
    using receipts r
    where m.ServiceId = @ServiceId and m.ProviderId = @ProviderId and m.QueueId = @QueueId
      and m.MessageId = r.MessageId and r.Dequeued > 0 and m.Dequeued = r.Dequeued
    returning m.ServiceId, m.ProviderId, m.QueueId, m.MessageId),
released as (
    update OrleansStreamMessage m
    set VisibleOn = now(), ModifiedOn = now()
    from receipts r
    where m.ServiceId = @ServiceId and m.ProviderId = @ProviderId and m.QueueId = @QueueId
      and m.MessageId = r.MessageId and r.Dequeued < 0 and m.Dequeued = -r.Dequeued
    returning m.ServiceId, m.ProviderId, m.QueueId, m.MessageId)
select * from confirmed
union all
select * from released
$q$),

('FailStreamMessageKey', $q$
select orleans_stream_fail(@ServiceId, @ProviderId, @QueueId, @MessageId, @MaxAttempts, @RemovalTimeout)
$q$),

('EvictStreamMessagesKey', $q$
select orleans_stream_evict_messages(@ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts, @RemovalTimeout)
$q$),

('EvictStreamDeadLettersKey', $q$
select orleans_stream_evict_dead_letters(@ServiceId, @ProviderId, @QueueId, @MaxCount)
$q$);
