-- Orleans ADO.NET clustering (membership) on PostgreSQL, and the query table every Orleans ADO.NET provider reads.
--
-- Identifiers are unquoted, so PostgreSQL folds them to lower case; the providers read result columns by name and
-- Npgsql matches those names without regard to case. Parameters are bound by Orleans with the names used here.

-- Every provider loads all rows of this table at start-up and looks its queries up by key; the rows are shared by
-- all providers, clusters and services (each query receives its cluster or service id as a parameter).
create table OrleansQuery (
    QueryKey varchar(64) primary key,
    QueryText text not null);

-- One row per cluster (Orleans calls the cluster id DeploymentId here). Every change of membership bumps Version
-- under the row lock, so two silos changing the table at once cannot both win: the second one's expected version is
-- stale, it gets false, re-reads and tries again.
create table OrleansMembershipVersionTable (
    DeploymentId text primary key,
    Version integer not null default 0,
    ChangedOn timestamptz not null default now());

-- One row per silo incarnation. Status is Orleans' SiloStatus: 1 created, 2 joining, 3 active, 4 shutting down,
-- 5 stopping, 6 dead. SuspectTimes holds the votes against the silo: "address,time|address,time".
create table OrleansMembershipTable (
    DeploymentId text not null references OrleansMembershipVersionTable (DeploymentId),
    Address text not null,
    Port integer not null,
    Generation integer not null,
    SiloName text not null,
    HostName text not null,
    Status integer not null,
    ProxyPort integer not null,
    SuspectTimes text,
    StartTime timestamptz not null,
    IAmAliveTime timestamptz not null,
    primary key (DeploymentId, Address, Port, Generation));

insert into OrleansQuery (QueryKey, QueryText) values

-- A silo creates its cluster's version row when it starts; true when this call created it.
('InsertMembershipVersionKey', $q$
with created as (
    insert into OrleansMembershipVersionTable (DeploymentId) values (@DeploymentId)
    on conflict do nothing
    returning 1)
select count(*) > 0 from created
$q$),

-- The version row comes back even when no silo matches, since Orleans reads the table version from it.
('MembershipReadAllKey', $q$
select v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
from OrleansMembershipVersionTable v
left join OrleansMembershipTable m on m.DeploymentId = v.DeploymentId
where v.DeploymentId = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
select v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
from OrleansMembershipVersionTable v
left join OrleansMembershipTable m on m.DeploymentId = v.DeploymentId
    and m.Address = @Address and m.Port = @Port and m.Generation = @Generation
where v.DeploymentId = @DeploymentId
$q$),

-- @Version is the table version the silo read. Bumping it first takes the row lock, so a concurrent change waits
-- and then finds the version moved on; the new silo row is only written when the bump succeeded.
('InsertMembershipKey', $q$
with bumped as (
    update OrleansMembershipVersionTable
    set Version = Version + 1, ChangedOn = now()
    where DeploymentId = @DeploymentId and Version = @Version
      and not exists (
          select 1 from OrleansMembershipTable
          where DeploymentId = @DeploymentId and Address = @Address and Port = @Port and Generation = @Generation)
    returning DeploymentId),
added as (
    insert into OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    select DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    from bumped
    returning 1)
select count(*) > 0 from added
$q$),

('UpdateMembershipKey', $q$
with bumped as (
    update OrleansMembershipVersionTable
    set Version = Version + 1, ChangedOn = now()
    where DeploymentId = @DeploymentId and Version = @Version
      and exists (
          select 1 from OrleansMembershipTable
          where DeploymentId = @DeploymentId and Address = @Address and Port = @Port and Generation = @Generation)
    returning DeploymentId),
changed as (
    update OrleansMembershipTable m
    set Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    from bumped b
    where m.DeploymentId = b.DeploymentId and m.Address = @Address and m.Port = @Port and m.Generation = @Generation
    returning 1)
select count(*) > 0 from changed
$q$),

-- The heartbeat; it changes no membership, so it leaves the version alone.
('UpdateIAmAlivetimeKey', $q$
update OrleansMembershipTable
set IAmAliveTime = @IAmAliveTime
where DeploymentId = @DeploymentId and Address = @Address and Port = @Port and Generation = @Generation
$q$),

('GatewaysQueryKey', $q$
select Address, ProxyPort, Generation
from OrleansMembershipTable
where DeploymentId = @DeploymentId and Status = @Status and ProxyPort > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
delete from OrleansMembershipTable where DeploymentId = @DeploymentId;
delete from OrleansMembershipVersionTable where DeploymentId = @DeploymentId
$q$),

-- Removes rows of silos that are no longer active and have not sent a heartbeat since @IAmAliveTime.
('CleanupDefunctSiloEntriesKey', $q$
delete from OrleansMembershipTable
where DeploymentId = @DeploymentId and Status <> 3 and IAmAliveTime < @IAmAliveTime
$q$),

-- When this key exists, Orleans picks the dead rows itself and removes each one only if it is still exactly as it
-- read it (no vote or status change in between).
('CleanupDefunctSiloEntryKey', $q$
delete from OrleansMembershipTable
where DeploymentId = @DeploymentId and Address = @Address and Port = @Port and Generation = @Generation
  and Status = 6 and StartTime = @StartTime and IAmAliveTime = @IAmAliveTime
  and SuspectTimes is not distinct from @SuspectTimes
$q$);
