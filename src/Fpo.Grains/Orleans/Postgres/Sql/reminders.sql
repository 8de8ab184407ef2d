-- Orleans ADO.NET reminders on PostgreSQL.
--
-- GrainHash is the grain's uniform hash as a signed integer; each silo's reminder service reads the reminders of its
-- range of the hash ring. Period is in milliseconds. Version is the ETag of a reminder.
create table OrleansRemindersTable (
    ServiceId text not null,
    GrainId text not null,
    ReminderName text not null,
    StartTime timestamptz not null,
    Period bigint not null,
    GrainHash integer not null,
    Version integer not null,
    primary key (ServiceId, GrainId, ReminderName));

create index OrleansRemindersTable_Ring on OrleansRemindersTable (ServiceId, GrainHash);

insert into OrleansQuery (QueryKey, QueryText) values

('ReadReminderRowsKey', $q$
select GrainId, ReminderName, StartTime, Period, Version
from OrleansRemindersTable
where ServiceId = @ServiceId and GrainId = @GrainId
$q$),

('ReadReminderRowKey', $q$
select GrainId, ReminderName, StartTime, Period, Version
from OrleansRemindersTable
where ServiceId = @ServiceId and GrainId = @GrainId and ReminderName = @ReminderName
$q$),

-- A range of the ring that does not wrap around (BeginHash < EndHash as signed integers): (BeginHash, EndHash].
('ReadRangeRows1Key', $q$
select GrainId, ReminderName, StartTime, Period, Version
from OrleansRemindersTable
where ServiceId = @ServiceId and GrainHash > @BeginHash and GrainHash <= @EndHash
$q$),

-- A range that wraps around the end of the ring: above BeginHash or up to EndHash.
('ReadRangeRows2Key', $q$
select GrainId, ReminderName, StartTime, Period, Version
from OrleansRemindersTable
where ServiceId = @ServiceId and (GrainHash > @BeginHash or GrainHash <= @EndHash)
$q$),

('UpsertReminderRowKey', $q$
insert into OrleansRemindersTable as r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
on conflict (ServiceId, GrainId, ReminderName) do update
set StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash, Version = r.Version + 1
returning Version
$q$),

-- True when the reminder was still at the version the caller holds and is now gone.
('DeleteReminderRowKey', $q$
with deleted as (
    delete from OrleansRemindersTable
    where ServiceId = @ServiceId and GrainId = @GrainId and ReminderName = @ReminderName and Version = @Version
    returning 1)
select count(*) > 0 from deleted
$q$),

('DeleteReminderRowsKey', $q$
delete from OrleansRemindersTable where ServiceId = @ServiceId
$q$);
