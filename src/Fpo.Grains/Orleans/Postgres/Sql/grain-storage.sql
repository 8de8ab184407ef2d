-- Orleans ADO.NET grain persistence on PostgreSQL.
--
-- Orleans identifies a stored state by service, the state's name (passed as GrainTypeString) and the grain key split
-- into two integers and an optional string (GrainIdN0, GrainIdN1, GrainIdExtensionString), plus two hashes of those
-- for cheap lookups. The grain's type is not among them; see GrainScopedStorage for how this project keeps states of
-- different grain types apart. Version is the ETag: every write that succeeds increments it, and a write that names
-- another version changes nothing, which Orleans reports as a conflict.
create table OrleansStorage (
    ServiceId text not null,
    GrainTypeString text not null,
    GrainIdN0 bigint not null,
    GrainIdN1 bigint not null,
    GrainIdExtensionString text,
    GrainTypeHash integer not null,
    GrainIdHash integer not null,
    PayloadBinary bytea,
    Version integer not null,
    ModifiedOn timestamptz not null default now());

-- Unique so that two activations racing to write a new state cannot both insert it.
create unique index OrleansStorage_Grain on OrleansStorage
    (ServiceId, GrainTypeHash, GrainIdHash, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString) nulls not distinct;

insert into OrleansQuery (QueryKey, QueryText) values

('ReadFromStorageKey', $q$
select PayloadBinary, Version
from OrleansStorage
where ServiceId = @ServiceId and GrainTypeHash = @GrainTypeHash and GrainIdHash = @GrainIdHash
  and GrainTypeString = @GrainTypeString and GrainIdN0 = @GrainIdN0 and GrainIdN1 = @GrainIdN1
  and GrainIdExtensionString is not distinct from @GrainIdExtensionString
$q$),

-- No @GrainStateVersion: the grain believes there is no stored state, so insert one, unless another activation did.
-- Otherwise: replace the state stored at exactly that version. Either way the new version comes back, or no row.
('WriteToStorageKey', $q$
with replaced as (
    update OrleansStorage
    set PayloadBinary = @PayloadBinary, Version = Version + 1, ModifiedOn = now()
    where @GrainStateVersion is not null and Version = @GrainStateVersion
      and ServiceId = @ServiceId and GrainTypeHash = @GrainTypeHash and GrainIdHash = @GrainIdHash
      and GrainTypeString = @GrainTypeString and GrainIdN0 = @GrainIdN0 and GrainIdN1 = @GrainIdN1
      and GrainIdExtensionString is not distinct from @GrainIdExtensionString
    returning Version),
created as (
    insert into OrleansStorage
        (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, GrainTypeHash, GrainIdHash, PayloadBinary, Version)
    select @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @GrainTypeHash, @GrainIdHash, @PayloadBinary, 1
    where @GrainStateVersion is null
    on conflict do nothing
    returning Version)
select Version as NewGrainStateVersion from replaced
union all
select Version from created
$q$),

-- Keeps the row with no payload, so the version keeps counting and a stale writer still conflicts.
('ClearStorageKey', $q$
update OrleansStorage
set PayloadBinary = null, Version = Version + 1, ModifiedOn = now()
where Version = @GrainStateVersion
  and ServiceId = @ServiceId and GrainTypeHash = @GrainTypeHash and GrainIdHash = @GrainIdHash
  and GrainTypeString = @GrainTypeString and GrainIdN0 = @GrainIdN0 and GrainIdN1 = @GrainIdN1
  and GrainIdExtensionString is not distinct from @GrainIdExtensionString
returning Version as NewGrainStateVersion
$q$),

-- Used instead of ClearStorageKey when the storage is configured to delete state on clear. Orleans only needs a
-- value other than the old version to know that the row was there.
('DeleteStorageKey', $q$
delete from OrleansStorage
where Version = @GrainStateVersion
  and ServiceId = @ServiceId and GrainTypeHash = @GrainTypeHash and GrainIdHash = @GrainIdHash
  and GrainTypeString = @GrainTypeString and GrainIdN0 = @GrainIdN0 and GrainIdN1 = @GrainIdN1
  and GrainIdExtensionString is not distinct from @GrainIdExtensionString
returning Version + 1 as NewGrainStateVersion
$q$);
